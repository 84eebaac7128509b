// Package doclint holds a test that keeps the module's documentation rule
// true: every package has a doc comment and every exported name has one.
package doclint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot walks up from the test's directory to the directory holding go.mod.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

// TestExportedNamesHaveDocComments fails for each exported top-level name
// (function, method on an exported type, type, constant or variable) in a
// non-test file that has no doc comment, and for each package without one.
// A name inside a documented const or var group counts as documented.
func TestExportedNamesHaveDocComments(t *testing.T) {
	root := moduleRoot(t)
	pkgDocs := map[string]bool{} // directory -> has a package doc comment
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checkFile(t, root, path, pkgDocs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, ok := range pkgDocs {
		if !ok {
			t.Errorf("%s: package has no doc comment", dir)
		}
	}
}

func checkFile(t *testing.T, root, path string, pkgDocs map[string]bool) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if ast.IsGenerated(f) || hasIgnoreBuildTag(f) {
		return
	}
	rel, _ := filepath.Rel(root, filepath.Dir(path))
	pkgDocs[rel] = pkgDocs[rel] || f.Doc != nil
	report := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		r, _ := filepath.Rel(root, p.Filename)
		t.Errorf("%s:%d: exported %s has no doc comment", r, p.Line, what)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Doc == nil && d.Name.IsExported() && receiverExported(d) {
				report(d.Pos(), d.Name.Name)
			}
		case *ast.GenDecl:
			checkGenDecl(d, report)
		}
	}
}

func checkGenDecl(d *ast.GenDecl, report func(token.Pos, string)) {
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
				report(s.Pos(), s.Name.Name)
			}
		case *ast.ValueSpec:
			if d.Doc != nil || s.Doc != nil || s.Comment != nil {
				continue
			}
			for _, n := range s.Names {
				if n.IsExported() {
					report(n.Pos(), n.Name)
				}
			}
		}
	}
}

// receiverExported reports whether a method's receiver type is exported;
// methods of unexported types are not part of the documented API.
func receiverExported(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	typ := d.Recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return true
		}
	}
}

// hasIgnoreBuildTag reports whether the file is excluded from every build
// (//go:build ignore), as stand-alone benchmark programs are.
func hasIgnoreBuildTag(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.TrimSpace(c.Text) == "//go:build ignore" {
				return true
			}
		}
	}
	return false
}
