package mask_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/policy"
	"github.com/wasmward/wasmward/shared/policytest"
)

// TestOutcomes lists the outcomes of testdata configs, after Start on each host.
func TestOutcomes(t *testing.T) {
	allow := func(rule, reason string) policy.Outcome {
		return policy.Outcome{Rule: rule, Reason: reason, Verdict: policy.Allow}
	}
	deny := func(reason string) policy.Outcome { return policy.Outcome{Reason: reason, Verdict: policy.Deny} }
	request := []policy.Outcome{
		allow("", "request_skipped_not_json"), allow("", "request_skipped_encoded"),
		allow("card-token", "masked_request"), allow("", "request_invalid_json"),
	}
	for _, c := range []struct {
		name string
		caps policy.Capabilities
		want []policy.Outcome
	}{
		{"minimal", policy.FullCapabilities, nil},
		{"headers-only", policy.FullCapabilities, nil},
		{"response-masking", policy.NginxCapabilities(false), []policy.Outcome{
			allow("", "skipped_not_json"), deny("compressed_unreadable"), deny("over_limit"),
			allow("secrets", "masked"), allow("cards", "masked"), allow("contact", "masked"),
			allow("bank", "masked"), allow("ssn", "masked"), allow("", "invalid_json"),
		}},
		{"full", policy.FullCapabilities, append(request[:len(request):len(request)],
			allow("", "skipped_not_json"), deny("compressed_unreadable"), allow("", "over_limit"),
			allow("card-token", "masked"), allow("email", "masked"), allow("internal", "masked"),
			allow("", "invalid_json"),
		)},
		// unsupportedHost requestOnly on nginx: no response body is read.
		{"full", policy.NginxCapabilities(false), append(request[:len(request):len(request)],
			allow("", "skipped_not_json"), allow("", "unprotected_host"),
		)},
	} {
		t.Run(c.name+"/"+c.caps.Kind, func(t *testing.T) {
			_, p, err := config.Load(readFile(t, "testdata/valid/"+c.name+".json"), "mask", mask.Parse)
			require.NoError(t, err)
			h := policytest.NewHost()
			h.Caps, h.EnvVars["CARD_TOKEN_KEY"] = c.caps, testKey
			require.NoError(t, p.(policy.Starter).Start(h))
			assert.ElementsMatch(t, c.want, p.(policy.OutcomeLister).Outcomes())
		})
	}
}
