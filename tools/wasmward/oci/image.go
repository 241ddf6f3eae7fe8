// Package oci packs proxy-wasm modules into OCI images and pushes them to registries with
// go-containerregistry. Two formats:
//
//   - Compat (FormatCompat), what Istio's WasmPlugin and Envoy Gateway pull: an OCI image
//     manifest whose single layer is the raw module, media type
//     application/vnd.module.wasm.content.layer.v1+wasm, with config
//     application/vnd.module.wasm.config.v1+json.
//   - Wasm artifact (FormatWasm), the CNCF TAG Runtime Wasm OCI artifact: config
//     application/vnd.wasm.config.v0+json ({"architecture":"wasm","os":"wasip1",…}), one layer
//     application/wasm.
//
// Images are written as an OCI image layout directory or as a tar archive of one
// (an "oci-archive"), and pushed to any OCI registry.
package oci

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Format is an image format.
type Format string

const (
	// FormatCompat is the Istio/Envoy "compat" Wasm image.
	FormatCompat Format = "compat"
	// FormatWasm is the CNCF Wasm OCI artifact.
	FormatWasm Format = "wasm"
)

// Media types of the two formats.
const (
	CompatLayerType  types.MediaType = "application/vnd.module.wasm.content.layer.v1+wasm"
	CompatConfigType types.MediaType = "application/vnd.module.wasm.config.v1+json"
	WasmLayerType    types.MediaType = "application/wasm"
	WasmConfigType   types.MediaType = "application/vnd.wasm.config.v0+json"
)

// Annotations set on every image.
const (
	AnnotationTitle  = "org.opencontainers.image.title"
	AnnotationPlugin = "io.wasmward.plugin"
)

// ParseFormat checks a -format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatCompat, FormatWasm:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want %q or %q)", s, FormatCompat, FormatWasm)
}

// Module is a checked proxy-wasm module ready to pack.
type Module struct {
	// Plugin names the image (the file name without .wasm).
	Plugin string
	Bin    []byte
	// ABIs are the proxy-wasm ABI versions the module exports.
	ABIs []string
}

// NewModule checks bin (see CheckModule) and names it plugin.
func NewModule(plugin string, bin []byte) (*Module, error) {
	abis, err := CheckModule(bin)
	if err != nil {
		return nil, err
	}
	return &Module{Plugin: plugin, Bin: bin, ABIs: abis}, nil
}

// Image builds the module's image in format f.
func (m *Module) Image(f Format) (v1.Image, error) {
	layerType, configType := CompatLayerType, CompatConfigType
	if f == FormatWasm {
		layerType, configType = WasmLayerType, WasmConfigType
	}
	layer := static.NewLayer(m.Bin, layerType)
	digest, err := layer.Digest()
	if err != nil {
		return nil, err
	}
	var cfg any = compatConfig{Type: "proxy-wasm", ABIVersions: m.ABIs}
	if f == FormatWasm {
		cfg = wasmConfig{Architecture: "wasm", OS: "wasip1", LayerDigests: []string{digest.String()}}
	}
	rawCfg, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cfgDigest, cfgSize, err := v1.SHA256(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, err
	}
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: configType, Size: cfgSize, Digest: cfgDigest},
		Layers: []v1.Descriptor{{MediaType: layerType, Size: int64(len(m.Bin)), Digest: digest,
			Annotations: map[string]string{AnnotationTitle: m.Plugin + ".wasm"}}},
		Annotations: map[string]string{AnnotationPlugin: m.Plugin},
	}
	rawManifest, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{manifest: rawManifest, config: rawCfg, layer: layer})
}

// compatConfig is the config blob of the compat format (Solo/Istio Wasm image spec).
type compatConfig struct {
	Type        string   `json:"type"`
	ABIVersions []string `json:"abiVersions,omitempty"`
}

// wasmConfig is the config blob of the CNCF Wasm artifact.
type wasmConfig struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	LayerDigests []string `json:"layerDigests"`
}

// artifact is an image given by its raw manifest, raw config and one layer: go-containerregistry
// derives every other v1.Image method from these (partial.CompressedToImage).
type artifact struct {
	manifest, config []byte
	layer            v1.Layer
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return a.config, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }
func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if d, err := a.layer.Digest(); err == nil && d == h {
		return a.layer, nil
	}
	return nil, fmt.Errorf("no layer %s in this image", h)
}
