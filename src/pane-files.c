/* pane-files.c */
