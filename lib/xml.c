/*
 * xml.c: XML text helpers.  No libvirt here, so programs that only write
 * XML for later need not load it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "xml.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/* The replacement for byte c, or NULL when c stands for itself. */
static const char *
xml_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	case '\t':
	case '\n':
	case '\r':
		return NULL;
	default:
		if (c < 0x20 || c == 0x7f)
			return REPLACEMENT;
		return NULL;
	}
}

char *
xml_escape(const char *s)
{
	const unsigned char	*p;
	const char		*ent;
	char			*out, *q;
	size_t			 len = 0;

	if (s == NULL)
		return NULL;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		len += (ent = xml_entity(*p)) != NULL ? strlen(ent) : 1;
	out = q = xmalloc(len + 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((ent = xml_entity(*p)) != NULL) {
			memcpy(q, ent, strlen(ent));
			q += strlen(ent);
		} else
			*q++ = (char)*p;
	}
	*q = '\0';
	return out;
}
