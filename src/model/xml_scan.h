/* xml_scan.h - a small XML start-tag scanner (plain C, no dependencies).
 *
 * SimGrid aborts (xbt_die) when a deployment names a host the platform lacks
 * or an unregistered actor function, so mecsim reads the deployment's <actor>
 * elements itself first and reports "deployment FILE line N: ...". This
 * scanner walks an XML text and hands every start tag (and empty-element tag)
 * to a callback, with its line, its parent's name and its decoded attributes.
 *
 * It checks well-formedness only as far as scanning needs: names, quotes,
 * entities, comments, CDATA, processing instructions, the DOCTYPE (with an
 * internal subset), matching end tags, one root element. It knows no DTD:
 * the only entities are &lt; &gt; &amp; &quot; &apos; and character
 * references &#N; &#xN;. Attribute values are normalized as XML requires
 * (a literal tab, newline, CR or CR LF becomes one space; a character
 * reference such as &#10; stays as written).
 *
 * Limits (beyond them the text is rejected): 64 nested elements, 64
 * attributes per tag, 4096 bytes per name or decoded value, no NUL byte.
 * Any input, of any length, terminated or not, is scanned in O(len) time
 * without reading outside [text, text + len) and without leaking. */
#ifndef MECSIM_XML_SCAN_H
#define MECSIM_XML_SCAN_H
#include <stddef.h>

#define MEC_XML_MAX_DEPTH 64
#define MEC_XML_MAX_ATTRS 64
#define MEC_XML_MAX_NAME 4096 /* bytes of a name or a decoded attribute value */

typedef struct mec_xml_attr {
  const char *name;  /* NUL-terminated */
  const char *value; /* entity-decoded, NUL-terminated */
} mec_xml_attr_t;

typedef struct mec_xml_tag {
  const char *name;   /* element name, e.g. "actor" */
  const char *parent; /* enclosing element's name, "" at top level */
  int line;           /* 1-based line of the '<' */
  int depth;          /* 0 for the root element */
  int empty;          /* 1 for <x/>, 0 for <x> (children and an end tag follow) */
  int n_attrs;
  const mec_xml_attr_t *attrs; /* in document order */
} mec_xml_tag_t;

/* Calls cb for every start (or empty-element) tag in document order, skipping
 * comments, CDATA, processing instructions and the DOCTYPE. The tag and all
 * its strings are valid during the call only (copy what you keep).
 *
 * A non-zero return from cb stops the scan and is returned (err is then "").
 * Returns 0 at the end of a well-formed text, or -1 with err set to
 * "line N: what" when the text is not well-formed enough to scan (unclosed
 * comment, tag or quote, bad entity, mismatched or missing end tag, nesting
 * deeper than 64, a name or value longer than 4096 bytes, more than 64
 * attributes, a duplicate attribute, a NUL byte, no root element, ...). Tags
 * before the error have already been passed to cb. err may be NULL. */
int mec_xml_scan(const char *text, size_t len, int (*cb)(const mec_xml_tag_t *tag, void *ud), void *ud, char *err,
                 size_t errlen);

/* Value of the attribute `name` of tag, or NULL when it has none. */
const char *mec_xml_attr(const mec_xml_tag_t *tag, const char *name);
#endif
