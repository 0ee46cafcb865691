/* pane-confusion.c */
