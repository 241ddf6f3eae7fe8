package pluginfiles

import (
	"slices"
	"testing"
)

func TestScanFindsClustersAndEnvNames(t *testing.T) {
	spec := []byte(`{"providers":[{"remote":{"cluster":"idp"}},{"remote":{"cluster":"idp"}},
		{"hmac":{"env":"JWT_HMAC_SECRET"}}],"keys":{"hashKeyEnv":"RATELIMIT_HASH_KEY"},
		"note":{"env":"not a name"},"cluster":"other"}`)
	clusters, envs := Scan(spec)
	if !slices.Equal(clusters, []string{"idp", "other"}) {
		t.Errorf("clusters %v", clusters)
	}
	if !slices.Equal(envs, []string{"JWT_HMAC_SECRET", "RATELIMIT_HASH_KEY"}) {
		t.Errorf("envs %v", envs)
	}
	if c, e := Scan([]byte(`not json`)); c != nil || e != nil {
		t.Errorf("invalid JSON: %v %v", c, e)
	}
}
