/* fuzz_meta: the metadata parser.  Text it accepts must format and parse back to the same
 * keys and values in the same order. */
#include <string.h>

#include "core/meta.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_limits();
	sr_meta m, again;
	sr_meta_init(&m);
	sr_meta_init(&again);
	if (sr_meta_parse(&m, (const char *)data, size) == 0) {
		size_t len;
		char *text = sr_meta_format(&m, &len);
		if (!text || sr_meta_parse(&again, text, len) < 0 || again.n != m.n)
			abort();
		for (int i = 0; i < m.n; i++) {
			const char *v = sr_meta_get(&again, m.kv[i].key);
			if (strcmp(again.kv[i].key, m.kv[i].key) != 0 || !v || strcmp(v, m.kv[i].val) != 0)
				abort();
		}
		/* deleting every other key keeps the rest findable */
		for (int i = 0; i < m.n; i += 2)
			sr_meta_del(&again, m.kv[i].key);
		for (int i = 1; i < m.n; i += 2)
			if (!sr_meta_get(&again, m.kv[i].key))
				abort();
		free(text);
	}
	sr_meta_free(&m);
	sr_meta_free(&again);
	return 0;
}
