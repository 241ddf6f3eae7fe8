package metrics_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/metrics"
)

// TestEnvoyTagExtraction applies the stats_tags regexes the way Envoy does (first group removed
// from the name, second group the tag value; RE2 in both) and checks the result.
func TestEnvoyTagExtraction(t *testing.T) {
	name := "wasmcustom." + metrics.DecisionName("jwtauthn", "api-v1", "expired", metrics.Deny)
	tags := map[string]string{}
	for _, label := range []string{"plugin", "rule", "reason", "decision"} {
		re := regexp.MustCompile(metrics.TagRegexes[label])
		m := re.FindStringSubmatchIndex(name)
		require.NotNil(t, m, label)
		tags[label] = name[m[4]:m[5]]
		name = name[:m[2]] + name[m[3]:]
	}
	assert.Equal(t, "wasmcustom.wasmward.decisions", name)
	assert.Equal(t, map[string]string{"plugin": "jwtauthn", "rule": "api-v1", "reason": "expired", "decision": "deny"}, tags)
}

func TestLabelsNeverCarryInput(t *testing.T) {
	for _, bad := range []string{"a.b", "a=b", "Bearer x", "x\n", strings.Repeat("a", 65), "é"} {
		assert.Equal(t, "invalid", metrics.Label(bad), bad)
	}
	assert.Equal(t, "", metrics.Label(""))
	assert.Equal(t, "rule_1-x", metrics.Label("rule_1-x"))
	assert.Equal(t, "wasmward.decisions.plugin=p.rule=invalid.reason=.decision=allow",
		metrics.DecisionName("p", "a.b", "", metrics.Allow))
}
