/* image-decode.c — what every image decoder shares (image-decode.h). */
#include "config.h"

#include <stdint.h>

#include "image-decode.h"
#include "util.h"

/* Has the caller given up on this picture? Asked between rows. */
int
image_stop(struct decode *d, char **cause)
{
	if (!d->cancelled && d->cancel != NULL && d->cancel(d->cancel_arg)) {
		d->cancelled = 1;
		set_cause(cause, "cancelled");
	}
	return d->cancelled;
}

/* Record the declared size; refuse what would cost too much. */
int
image_declare_size(struct decode *d, const char *what, uint64_t w, uint64_t h,
    char **cause)
{
	d->info->width = w > INT32_MAX ? INT32_MAX : (int)w;
	d->info->height = h > INT32_MAX ? INT32_MAX : (int)h;
	if (w == 0 || h == 0) {
		set_cause(cause, "%s declares an empty picture (%llu×%llu)", what,
		    (unsigned long long)w, (unsigned long long)h);
		return -1;
	}
	if (w * h > IMAGE_MAX_PIXELS) {
		set_cause(cause, "too large: %llu×%llu is %.0f megapixels, over the "
		    "limit of %u", (unsigned long long)w, (unsigned long long)h,
		    (double)w * h / 1e6, IMAGE_MAX_PIXELS / 1000000);
		return -1;
	}
	if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
		set_cause(cause, "too large: %llu×%llu, over %d pixels a side",
		    (unsigned long long)w, (unsigned long long)h, IMAGE_MAX_SIDE);
		return -1;
	}
	return 0;
}

/* Start the scaler for source rows of sw × sh pixels, aiming at the fit of
 * the declared picture (sw × sh may be a DCT-scaled version of it). */
void
image_start_scaler(struct decode *d, int sw, int sh)
{
	int w, h;
	image_fit(d->info->width, d->info->height, d->max_w, d->max_h, &w, &h);
	if (w > sw)
		w = sw;
	if (h > sh)
		h = sh;
	image_scaler_init(&d->sc, sw, sh, w, h);
	d->have_scaler = 1;
}

/* A decoder stopped early: keep what was decoded as damage when there is
 * something to show, else fail with the message. */
int
image_partial(struct decode *d, const char *msg, char **cause)
{
	if (d->have_scaler && d->sc.added > 0) {
		d->damage = xstrdup(msg);
		return 0;
	}
	set_cause(cause, "%s", msg);
	return -1;
}
