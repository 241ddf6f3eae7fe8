package oci

import (
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushOptions configure Push.
type PushOptions struct {
	// Insecure allows plain HTTP (a local registry).
	Insecure bool
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// Push uploads img to ref ("registry/repo:tag"), authenticating with the Docker credential
// config (~/.docker/config.json and credential helpers), and returns the manifest digest.
func Push(img v1.Image, ref string, opts PushOptions) (v1.Hash, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("reference %q: %w", ref, err)
	}
	remoteOpts := []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	if opts.Transport != nil {
		remoteOpts = append(remoteOpts, remote.WithTransport(opts.Transport))
	}
	if err := remote.Write(r, img, remoteOpts...); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", r, err)
	}
	return img.Digest()
}
