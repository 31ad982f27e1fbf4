/* iodef.c - placeholder until the IODEF writer lands */
#include "analyze/analyze.h"
int vg_alerts_write_iodef(vg_alerts *a, FILE *fp, int64_t since_us, const char *csirt_name,
			  const char *contact_email)
{
	(void)a; (void)fp; (void)since_us; (void)csirt_name; (void)contact_email;
	return VG_EUNSUP;
}
