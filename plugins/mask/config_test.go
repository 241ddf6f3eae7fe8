package mask_test

import (
	"testing"

	"github.com/wasmward/wasmward/plugins/mask"
	"github.com/wasmward/wasmward/shared/schema"
)

func TestConfigs(t *testing.T) { schema.TestConfigDirs(t, mask.Definition, "testdata") }
