package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmward/wasmward/tools/wasmward/oci"
)

// pack turns proxy-wasm modules into OCI images (package oci) in one layout directory or tar
// archive. Every module is checked before anything is written: a bad one writes nothing.
func pack(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", string(oci.FormatCompat), "image format: compat (Istio/Envoy) or wasm (CNCF Wasm artifact)")
	tag := fs.String("tag", "latest", "tag of every image in the layout (ref name <plugin>:<tag>)")
	out := fs.String("o", "", "output: an OCI layout directory, or a tar archive of one when it ends in .tar")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	f, err := oci.ParseFormat(*format)
	if err != nil || *out == "" || fs.NArg() == 0 {
		if err != nil {
			fmt.Fprintf(stderr, "wasmward pack: %v\n", err)
		}
		fmt.Fprintln(stderr, "usage: wasmward pack [-format compat|wasm] [-tag t] -o <dir|file.tar> <module.wasm>...")
		return exitUsage
	}
	var images []oci.Tagged
	for _, path := range fs.Args() {
		m, code := loadModule(path, stderr)
		if code != exitOK {
			return code
		}
		img, err := m.Image(f)
		if err != nil {
			fmt.Fprintf(stderr, "wasmward pack: %s: %v\n", path, err)
			return exitInvalid
		}
		images = append(images, oci.Tagged{Ref: m.Plugin + ":" + *tag, Image: img})
	}
	if err := oci.WriteLayout(*out, images); err != nil {
		fmt.Fprintf(stderr, "wasmward pack: %v\n", err)
		return exitUsage
	}
	for _, t := range images {
		d, _ := t.Image.Digest()
		fmt.Fprintf(stdout, "%s: %s %s (%s)\n", *out, t.Ref, d, f)
	}
	return exitOK
}

// loadModule reads and checks a module; the plugin name is the file name without ".wasm".
func loadModule(path string, stderr io.Writer) (*oci.Module, int) {
	bin, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "wasmward: %v\n", err)
		return nil, exitUsage
	}
	m, err := oci.NewModule(strings.TrimSuffix(filepath.Base(path), ".wasm"), bin)
	if err != nil {
		fmt.Fprintf(stderr, "wasmward: %s: %v\n", path, err)
		return nil, exitInvalid
	}
	return m, exitOK
}

// push sends one image to a registry: a module packed on the fly, or an image of a layout
// written by pack (the only one, or the one -image names).
func push(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", string(oci.FormatCompat), "format when pushing a .wasm: compat or wasm")
	image := fs.String("image", "", "when pushing a layout holding several images: the ref name to push (<plugin>:<tag>)")
	insecure := fs.Bool("insecure", false, "allow a plain-HTTP registry")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	f, err := oci.ParseFormat(*format)
	if err != nil || fs.NArg() != 2 {
		if err != nil {
			fmt.Fprintf(stderr, "wasmward push: %v\n", err)
		}
		fmt.Fprintln(stderr, "usage: wasmward push [-format compat|wasm] [-image ref] [-insecure] <module.wasm|layout-dir|layout.tar> <registry/repo:tag>")
		return exitUsage
	}
	src, ref := fs.Arg(0), fs.Arg(1)
	var img oci.Tagged
	if strings.HasSuffix(src, ".wasm") {
		m, code := loadModule(src, stderr)
		if code != exitOK {
			return code
		}
		i, err := m.Image(f)
		if err != nil {
			fmt.Fprintf(stderr, "wasmward push: %v\n", err)
			return exitInvalid
		}
		img = oci.Tagged{Ref: m.Plugin, Image: i}
	} else {
		images, cleanup, err := oci.ReadLayout(src)
		if err != nil {
			fmt.Fprintf(stderr, "wasmward push: %s: %v\n", src, err)
			return exitUsage
		}
		defer cleanup()
		if img, err = pick(images, *image); err != nil {
			fmt.Fprintf(stderr, "wasmward push: %s: %v\n", src, err)
			return exitUsage
		}
	}
	digest, err := oci.Push(img.Image, ref, oci.PushOptions{Insecure: *insecure})
	if err != nil {
		fmt.Fprintf(stderr, "wasmward push: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "%s@%s\n", ref, digest)
	return exitOK
}

// errPick: the layout does not single out one image.
var errPick = errors.New("choose an image with -image")

func pick(images []oci.Tagged, ref string) (oci.Tagged, error) {
	var refs []string
	for _, t := range images {
		if t.Ref == ref || (ref == "" && len(images) == 1) {
			return t, nil
		}
		refs = append(refs, t.Ref)
	}
	return oci.Tagged{}, fmt.Errorf("%w (images: %s)", errPick, strings.Join(refs, ", "))
}
