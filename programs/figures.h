/*
 * figures.h - `vigil report --figures DIR` (figures.c).
 */
#ifndef VIGIL_PROGRAMS_FIGURES_H
#define VIGIL_PROGRAMS_FIGURES_H

#include "common.h"

/* What drawing the figures needs: node, and the script figures-svg.js
 * (with figures.js and echarts.min.js beside it). */
struct figures {
	char *node;
	char *script;
};

/* Finds both; -1 after a message naming what is missing (checked before
 * the inputs are read, so that a long run does not end in that error). */
int figures_find(struct figures *f);
/* Writes the study's page to a scratch file in dir and has node render
 * every chart of it into dir. 0, or -1 after a message. */
int figures_write(const struct figures *f, vg_study *st, const struct opts *o);
void figures_free(struct figures *f);

#endif
