/*
 * xml.h: XML text helpers that need no libvirt, for building libvirt
 * domain, volume and filter documents.
 */
#ifndef NUBES_XML_H
#define NUBES_XML_H

/*
 * Return a copy of s, which must be UTF-8, fit to stand as XML character
 * data or as an attribute value in single or double quotes: & < > " '
 * become entities, and control characters that XML 1.0 cannot carry
 * (all below 0x20 but tab, newline and carriage return, and DEL) become
 * U+FFFD.  Returns NULL when s is NULL.  The caller frees the result;
 * dies on OOM like xmalloc.
 */
char	*xml_escape(const char *s);

#endif /* NUBES_XML_H */
