/* test_registry.c - the policy registry (find by name, list, names string)
 * and the helpers every policy's init() uses: "k=v,k=v" argument parsing,
 * the unknown-key check, the error message and the default decision. */
#include "check.h"
#include "policies/policy.h"

#include <string.h>

static const char *const baselines[] = {"local", "offload-nearest", "random", "greedy", "least-loaded",
                                        "round-robin"};
#define N_BASELINES (sizeof baselines / sizeof baselines[0])

static void test_every_registered_name_is_found(void)
{
  size_t n = mec_policy_count();
  CHECK(n >= N_BASELINES);
  for (size_t i = 0; i < n; i++) {
    const mec_policy_ops_t *ops = mec_policy_at(i);
    CHECK(ops != NULL);
    if (!ops)
      continue;
    CHECK(ops->name && ops->name[0] && ops->summary && ops->summary[0]);
    CHECK(ops->init != NULL && ops->decide != NULL);
    CHECK(mec_policy_find(ops->name) == ops);
    for (size_t j = 0; j < i; j++) /* names are unique */
      CHECK(strcmp(mec_policy_at(j)->name, ops->name) != 0);
  }
  CHECK(mec_policy_at(n) == NULL);
}

static void test_baselines_are_registered(void)
{
  for (size_t i = 0; i < N_BASELINES; i++) {
    const mec_policy_ops_t *ops = mec_policy_find(baselines[i]);
    CHECK(ops != NULL);
    CHECK(ops && strcmp(ops->name, baselines[i]) == 0);
  }
}

static void test_unknown_names(void)
{
  CHECK(mec_policy_find("no-such-policy") == NULL);
  CHECK(mec_policy_find("") == NULL);
  CHECK(mec_policy_find(NULL) == NULL);
  CHECK(mec_policy_find("Local") == NULL); /* names are case-sensitive */
  CHECK(mec_policy_find("local ") == NULL);
}

static void test_names_list(void)
{
  char buf[1024];
  mec_policy_names(buf, sizeof buf);
  /* exactly "n0, n1, ..." in registry order */
  char expect[1024] = "";
  for (size_t i = 0; i < mec_policy_count(); i++) {
    if (i)
      strcat(expect, ", ");
    strcat(expect, mec_policy_at(i)->name);
  }
  CHECK(strcmp(buf, expect) == 0);

  /* a short buffer is truncated, still terminated */
  char small[8];
  memset(small, 'x', sizeof small);
  mec_policy_names(small, sizeof small);
  CHECK(strlen(small) == 7 && strncmp(small, buf, 7) == 0);
  char one[1] = {'x'};
  mec_policy_names(one, 1);
  CHECK(one[0] == '\0');
  mec_policy_names(NULL, 0); /* no crash */
}

static void test_arg_double_int_string(void)
{
  const char *args = "alpha=0.25, n = 12 ,name=vgg16,empty=,alpha=0.5";
  double d = -1;
  int i = -1;
  char s[16];
  CHECK(mec_policy_arg_double(args, "alpha", &d) == 0);
  CHECK(d == 0.5); /* the last occurrence wins */
  CHECK(mec_policy_arg_int(args, "n", &i) == 0);
  CHECK(i == 12); /* blanks around key and value are ignored */
  CHECK(mec_policy_arg_string(args, "name", s, sizeof s) == 0);
  CHECK(strcmp(s, "vgg16") == 0);
  CHECK(mec_policy_arg_string(args, "empty", s, sizeof s) == 0);
  CHECK(s[0] == '\0');

  /* absent: 1, value untouched */
  d = 7;
  i = 7;
  CHECK(mec_policy_arg_double(args, "beta", &d) == 1 && d == 7);
  CHECK(mec_policy_arg_int("", "n", &i) == 1 && i == 7);
  CHECK(mec_policy_arg_int("nn=3", "n", &i) == 1 && i == 7); /* no prefix match */
  CHECK(mec_policy_arg_double("alpha", "alpha", &d) == 1);    /* a bare word is not a value */

  /* malformed: -1 with a message naming the key and the value */
  CHECK(mec_policy_arg_double("alpha=0.5x", "alpha", &d) == -1 && d == 7);
  CHECK(strstr(mec_policy_error(), "alpha") && strstr(mec_policy_error(), "0.5x"));
  CHECK(mec_policy_arg_double("alpha=", "alpha", &d) == -1);
  CHECK(mec_policy_arg_double("alpha=inf", "alpha", &d) == -1);
  CHECK(mec_policy_arg_double("alpha=1e999", "alpha", &d) == -1);
  CHECK(mec_policy_arg_int("n=1.5", "n", &i) == -1 && i == 7);
  CHECK(strstr(mec_policy_error(), "1.5") != NULL);
  CHECK(mec_policy_arg_int("n=99999999999", "n", &i) == -1);
  CHECK(mec_policy_arg_int("n=-3", "n", &i) == 0 && i == -3);
  CHECK(mec_policy_arg_double("alpha=-2e-3", "alpha", &d) == 0 && d == -2e-3);
  char tiny[4];
  CHECK(mec_policy_arg_string("name=toolong", "name", tiny, sizeof tiny) == -1);
  CHECK(mec_policy_arg_string("name=abc", "name", tiny, sizeof tiny) == 0 && strcmp(tiny, "abc") == 0);
}

static void test_args_check(void)
{
  static const char *const known[] = {"alpha", "n", NULL};
  static const char *const none[] = {NULL};
  char err[256];
  CHECK(mec_policy_args_check("", known, err, sizeof err) == 0);
  CHECK(mec_policy_args_check("alpha=1,n=2", known, err, sizeof err) == 0);
  CHECK(mec_policy_args_check(" n=2 , ,alpha=3,", known, err, sizeof err) == 0); /* blank items skipped */

  err[0] = '\0';
  CHECK(mec_policy_args_check("alpha=1,gamma=2,delta=3", known, err, sizeof err) == -1);
  CHECK(strstr(err, "'gamma'") != NULL);  /* the first unknown key */
  CHECK(strstr(err, "delta") == NULL);
  CHECK(strstr(err, "alpha, n") != NULL); /* the known keys */
  CHECK(strcmp(err, mec_policy_error()) == 0);

  CHECK(mec_policy_args_check("alpha", known, err, sizeof err) == -1); /* no '=' */
  CHECK(strstr(err, "key=value") != NULL);
  CHECK(mec_policy_args_check("=3", known, err, sizeof err) == -1); /* empty key */

  CHECK(mec_policy_args_check("x=1", none, err, sizeof err) == -1);
  CHECK(strstr(err, "'x'") && strstr(err, "(none)"));
  CHECK(mec_policy_args_check("x=1", NULL, NULL, 0) == -1); /* err optional */
  CHECK(strstr(mec_policy_error(), "'x'") != NULL);

  char shorterr[10];
  CHECK(mec_policy_args_check("zzz=1", known, shorterr, sizeof shorterr) == -1);
  CHECK(strlen(shorterr) == sizeof shorterr - 1);
}

static void test_error_and_default_decision(void)
{
  mec_policy_set_error("policy %s failed with %d", "x", 3);
  CHECK(strcmp(mec_policy_error(), "policy x failed with 3") == 0);

  mec_decision_t d = mec_decision_default();
  CHECK(d.target == 0 && d.partition == -1 && d.slot == -1);
  CHECK(d.bw_share <= 0 && d.time_share <= 0 && d.cpu_share <= 0 && d.tx_power_w <= 0);
  CHECK(d.price == 0 && d.offload_frac <= 0);
}

int main(void)
{
  RUN(test_every_registered_name_is_found);
  RUN(test_baselines_are_registered);
  RUN(test_unknown_names);
  RUN(test_names_list);
  RUN(test_arg_double_int_string);
  RUN(test_args_check);
  RUN(test_error_and_default_decision);
  return CHECK_DONE();
}
