/* pane-cluster.c */
