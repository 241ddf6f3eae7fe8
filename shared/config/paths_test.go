package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wasmward/wasmward/shared/config"
	"github.com/wasmward/wasmward/shared/pathnorm"
)

func TestEnvelopePaths(t *testing.T) {
	env, err := config.ParseEnvelope([]byte(`{"apiVersion":"wasmward/v1","plugin":"p","spec":{}}`), "p")
	require.NoError(t, err)
	assert.Equal(t, config.AmbiguousReject, env.Paths.Ambiguous, "rejecting is the default")
	assert.Equal(t, pathnorm.Options{}, env.Paths.Options())

	env, err = config.ParseEnvelope([]byte(`{"apiVersion":"wasmward/v1","plugin":"p",
	 "paths":{"ambiguous":"normalize","caseInsensitive":true},"spec":{}}`), "p")
	require.NoError(t, err)
	assert.Equal(t, pathnorm.Options{DecodeAmbiguous: true, FoldCase: true}, env.Paths.Options())

	for cfg, msg := range map[string]string{
		`"paths":{"ambiguous":"decode"}`:     `paths.ambiguous: must be "reject" or "normalize"`,
		`"paths":{"ambigous":"reject"}`:      `paths.ambigous`,
		`"paths":{"caseInsensitive":"true"}`: `paths.caseInsensitive`,
		`"paths":{"Ambiguous":"normalize"}`:  `paths.Ambiguous`,
		`"paths":"normalize"`:                `paths`,
	} {
		_, err := config.ParseEnvelope([]byte(`{"apiVersion":"wasmward/v1","plugin":"p",`+cfg+`,"spec":{}}`), "p")
		if assert.Error(t, err, cfg) {
			assert.Contains(t, err.Error(), msg, cfg)
		}
	}
}
