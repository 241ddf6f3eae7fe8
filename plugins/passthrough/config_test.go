package passthrough_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/passthrough"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigs(t *testing.T) { schema.TestConfigDirs(t, passthrough.Definition, "testdata") }
