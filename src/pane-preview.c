/* pane-preview.c */
