package metrics_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/metrics"
)

// TestEnvoyTagExtraction applies the stats_tags regexes the way Envoy does (every regex on the
// original name; first groups removed at the end, second groups the tag values; RE2 in both).
func TestEnvoyTagExtraction(t *testing.T) {
	for _, c := range []struct{ rule, reason string }{{"api-v1", "expired"}, {"", ""}, {"r", ""}} {
		name := "wasmcustom." + metrics.DecisionName("jwtauthn", c.rule, c.reason, metrics.Deny)
		tags := map[string]string{}
		remove := make([]bool, len(name))
		for _, label := range metrics.Labels {
			m := regexp.MustCompile(metrics.TagRegexes[label]).FindStringSubmatchIndex(name)
			require.NotNil(t, m, label)
			tags[label] = name[m[4]:m[5]]
			for i := m[2]; i < m[3]; i++ {
				remove[i] = true
			}
		}
		var rest strings.Builder
		for i := range name {
			if !remove[i] {
				rest.WriteByte(name[i])
			}
		}
		assert.Equal(t, "wasmcustom.wasmward.decisions", rest.String())
		assert.Equal(t, map[string]string{"plugin": "jwtauthn", "rule": c.rule, "reason": c.reason, "decision": "deny"}, tags)
	}
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
