package oci

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// AnnotationRefName is the OCI layout annotation naming an image ("<plugin>:<tag>").
const AnnotationRefName = "org.opencontainers.image.ref.name"

// Tagged is an image and the name it gets in a layout.
type Tagged struct {
	Ref   string // e.g. "jwtauthn:v1.0.0"
	Image v1.Image
}

// WriteLayout writes the images as an OCI image layout at out: a directory, or a tar archive of
// one when out ends in ".tar". It is all or nothing: the layout is built in a temporary directory
// next to out and moved into place only when complete, replacing an earlier layout there.
func WriteLayout(out string, images []Tagged) (err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".wasmward-pack-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	for _, t := range images {
		if err := p.AppendImage(t.Image, layout.WithAnnotations(map[string]string{AnnotationRefName: t.Ref})); err != nil {
			return fmt.Errorf("write %s: %w", t.Ref, err)
		}
	}
	if strings.HasSuffix(out, ".tar") {
		archive := filepath.Join(tmp, "layout.tar")
		if err := tarDir(dir, archive); err != nil {
			return err
		}
		return os.Rename(archive, out)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return os.Rename(dir, out)
}

// tarDir writes the files under dir to the tar archive path, names relative to dir.
func tarDir(dir, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	tw := tar.NewWriter(f)
	if err := tw.AddFS(os.DirFS(dir)); err != nil {
		return err
	}
	return tw.Close()
}

// ReadLayout opens an OCI image layout directory or tar archive written by WriteLayout and
// returns its images. A tar archive is unpacked into a temporary directory removed by cleanup.
func ReadLayout(in string) (images []Tagged, cleanup func(), err error) {
	cleanup = func() {}
	dir := in
	if strings.HasSuffix(in, ".tar") {
		tmp, err := os.MkdirTemp("", "wasmward-layout-")
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.RemoveAll(tmp) }
		if err := untar(in, tmp); err != nil {
			cleanup()
			return nil, func() {}, err
		}
		dir = tmp
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	for _, d := range m.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			cleanup()
			return nil, func() {}, err
		}
		images = append(images, Tagged{Ref: d.Annotations[AnnotationRefName], Image: img})
	}
	return images, cleanup, nil
}

// untar unpacks a tar archive of regular files and directories into dir, refusing entries that
// would land outside it.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !fs.ValidPath(strings.TrimSuffix(h.Name, "/")) {
			return fmt.Errorf("%s: entry %q escapes the archive", path, h.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.Create(target)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if err := errors.Join(err, out.Close()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: entry %q is not a regular file", path, h.Name)
		}
	}
}
