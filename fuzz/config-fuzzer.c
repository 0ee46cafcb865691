/* config-fuzzer.c — the configuration file (YAML: keys, thresholds,
 * colours, trash), read, its keys bound, and queried as the commands do. */
#include "config.h"

#include "commands.h"
#include "fuzz.h"
#include "settings.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("config.yaml", data, size), *cause = NULL;

	if (settings_load(file, &cause) == 0) {
		if (commands_bind(&cause) != 0) {
			free(cause);
			cause = NULL;
		}
		settings_threshold("silent", 0);
		settings_trash();
	}
	settings_free();
	commands_free();
	free(cause);
	unlink(file);
	free(file);
	return 0;
}
