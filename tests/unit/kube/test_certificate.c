/*
 * The body of a renewal request (kube_certificate_set_issuing): the
 * Certificate read, with Issuing=True ManuallyTriggered in place of any
 * Issuing condition, every other byte as read (resourceVersion included,
 * which makes the update conditional), wherever the status stands.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/jtok.h"
#include "kube/certificate.h"
#include "testutil.h"

#define NOW 1767323045678 /* 2026-01-02T03:04:05.678Z */
#define MSG "pca-issuer: renewing"
#define ISSUING_G(g)                                                                               \
	"{\"type\":\"Issuing\",\"status\":\"True\",\"reason\":\"ManuallyTriggered\",\"message\":"  \
	"\"" MSG "\",\"lastTransitionTime\":\"2026-01-02T03:04:05Z\",\"observedGeneration\":" #g   \
	"}"
#define META "\"metadata\":{\"name\":\"web\",\"resourceVersion\":\"42\",\"generation\":3}"

static void
expect(const char *in, int rc, const char *out)
{
	struct buf b = BUF_INIT;
	int got = kube_certificate_set_issuing(&b, in, strlen(in), MSG, NOW);

	CHECK_INT(got, rc);
	if (got == 0) {
		struct jtok *d = NULL;

		buf_addc(&b, '\0');
		CHECK_STR(b.p, out);
		/* Whatever it writes is JSON. */
		CHECK_INT(jtok_parse(b.p, strlen(b.p), &d, NULL), 0);
		jtok_free(d);
	}
	buf_clear(&b);
}

static void
test_conditions_kept(void)
{
	/* Ready stays, a finished Issuing is replaced, the new one goes last. */
	expect("{" META ",\"spec\":{},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
	       "\"True\"},{\"type\":\"Issuing\",\"status\":\"False\",\"reason\":\"Failed\"}],"
	       "\"revision\":2}}",
	       0,
	       "{" META ",\"spec\":{},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
	       "\"True\"}," ISSUING_G(3) "],\"revision\":2}}");
}

static void
test_already_issuing(void)
{
	expect("{" META
	       ",\"status\":{\"conditions\":[{\"type\":\"Issuing\",\"status\":\"True\"}]}}",
	       1, NULL);
}

static void
test_where_status_stands(void)
{
	/* A status without conditions. */
	expect("{" META ",\"status\":{\"notAfter\":\"2027-01-01T00:00:00Z\"}}", 0,
	       "{" META ",\"status\":{\"conditions\":[" ISSUING_G(3) "],\"notAfter\":"
	                                                             "\"2027-01-01T00:00:00Z\"}}");
	/* An empty status. */
	expect("{" META ",\"status\":{}}", 0,
	       "{" META ",\"status\":{\"conditions\":[" ISSUING_G(3) "]}}");
	/* "status": null. */
	expect("{" META ",\"status\":null}", 0,
	       "{" META ",\"status\":{\"conditions\":[" ISSUING_G(3) "]}}");
	/* No status at all. */
	expect("{" META "}", 0, "{" META ",\"status\":{\"conditions\":[" ISSUING_G(3) "]}}");
	/* Conditions that are not a list are replaced. */
	expect("{" META ",\"status\":{\"conditions\":null}}", 0,
	       "{" META ",\"status\":{\"conditions\":[" ISSUING_G(3) "]}}");
}

static void
test_without_generation(void)
{
	expect("{\"metadata\":{\"name\":\"web\"}}", 0,
	       "{\"metadata\":{\"name\":\"web\"},\"status\":{\"conditions\":[{\"type\":\"Issuing\","
	       "\"status\":\"True\",\"reason\":\"ManuallyTriggered\",\"message\":\"" MSG "\","
	       "\"lastTransitionTime\":\"2026-01-02T03:04:05Z\"}]}}");
}

static void
test_not_an_object(void)
{
	expect("[]", -1, NULL);
	expect("", -1, NULL);
	expect("{\"metadata\":", -1, NULL);
	expect("\"status\"", -1, NULL);
}

int
main(void)
{
	TEST(test_conditions_kept);
	TEST(test_already_issuing);
	TEST(test_where_status_stands);
	TEST(test_without_generation);
	TEST(test_not_an_object);
	return test_done();
}
