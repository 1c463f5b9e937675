/* fuzz_xml_scan.c - libFuzzer harness of the XML start-tag scanner
 * (src/model/xml_scan.c).
 *
 * The input is the document, in a buffer of exactly its size (not
 * NUL-terminated). Checks on every tag the callback sees: a non-empty name,
 * parent "" exactly at depth 0, lines that never decrease and stay within
 * the text, at most 64 attributes, names and values of at most 4096 bytes,
 * mec_xml_attr finding each attribute. The scan returns 0, or -1 with
 * "line N: ..." and N within the text. When the input's first byte is odd,
 * the callback stops the scan at the third tag, which must return 5. */
#include "fuzz_common.h"
#include "model/xml_scan.h"

typedef struct state {
  int last_line, max_line, tags, stop;
} state_t;

static int on_tag(const mec_xml_tag_t *t, void *ud)
{
  state_t *s = ud;
  FUZZ_ASSERT(t->name && t->name[0] != '\0' && strlen(t->name) <= MEC_XML_MAX_NAME);
  FUZZ_ASSERT(t->parent && (t->depth == 0) == (t->parent[0] == '\0'));
  FUZZ_ASSERT(t->depth >= 0 && t->depth < MEC_XML_MAX_DEPTH);
  FUZZ_ASSERT(t->line >= s->last_line && t->line <= s->max_line);
  FUZZ_ASSERT(t->n_attrs >= 0 && t->n_attrs <= MEC_XML_MAX_ATTRS);
  for (int a = 0; a < t->n_attrs; a++) {
    FUZZ_ASSERT(t->attrs[a].name[0] != '\0' && strlen(t->attrs[a].name) <= MEC_XML_MAX_NAME);
    FUZZ_ASSERT(strlen(t->attrs[a].value) <= MEC_XML_MAX_NAME);
    FUZZ_ASSERT(mec_xml_attr(t, t->attrs[a].name) == t->attrs[a].value); /* no duplicates */
  }
  s->last_line = t->line;
  s->tags++;
  return s->stop && s->tags == 3 ? 5 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size ? size : 1);
  memcpy(text, data, size);
  state_t s = {1, 1, 0, size > 0 && (data[0] & 1)};
  for (size_t i = 0; i < size; i++)
    s.max_line += data[i] == '\n';
  char err[512];
  int rc = mec_xml_scan(text, size, on_tag, &s, err, sizeof err);
  if (rc == 5) {
    FUZZ_ASSERT(s.stop && s.tags == 3 && err[0] == '\0');
  } else if (rc != 0) {
    int line = 0;
    FUZZ_ASSERT(rc == -1);
    FUZZ_ASSERT(sscanf(err, "line %d:", &line) == 1 && line >= 1 && line <= s.max_line);
  } else {
    FUZZ_ASSERT(s.tags >= 1);
  }
  free(text);
  return 0;
}
