package gofront

import (
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// typePrinter renders type expressions canonically: parameter names
// dropped from function types, struct tags kept, interface methods sorted,
// type parameters renamed by position.
type typePrinter struct {
	rename map[string]string
	// imports resolves a qualifier to its import path, so that types are
	// named by package path, not by the file's local name for it.
	imports map[string]string
}

func (p *typePrinter) expr(e ast.Expr) string {
	var b strings.Builder
	p.write(&b, e)
	return b.String()
}

func (p *typePrinter) write(b *strings.Builder, e ast.Expr) {
	switch v := e.(type) {
	case nil:
	case *ast.Ident:
		if r, ok := p.rename[v.Name]; ok {
			b.WriteString(r)
		} else {
			b.WriteString(v.Name)
		}
	case *ast.SelectorExpr:
		if id, ok := v.X.(*ast.Ident); ok && p.imports[id.Name] != "" {
			b.WriteString(p.imports[id.Name])
		} else {
			p.write(b, v.X)
		}
		b.WriteByte('.')
		b.WriteString(v.Sel.Name)
	case *ast.StarExpr:
		b.WriteByte('*')
		p.write(b, v.X)
	case *ast.ParenExpr:
		p.write(b, v.X)
	case *ast.ArrayType:
		b.WriteByte('[')
		if v.Len != nil {
			if _, ok := v.Len.(*ast.Ellipsis); ok {
				b.WriteString("...")
			} else {
				p.write(b, v.Len)
			}
		}
		b.WriteByte(']')
		p.write(b, v.Elt)
	case *ast.Ellipsis:
		b.WriteString("...")
		p.write(b, v.Elt)
	case *ast.MapType:
		b.WriteString("map[")
		p.write(b, v.Key)
		b.WriteByte(']')
		p.write(b, v.Value)
	case *ast.ChanType:
		switch v.Dir {
		case ast.RECV:
			b.WriteString("<-chan ")
		case ast.SEND:
			b.WriteString("chan<- ")
		default:
			b.WriteString("chan ")
		}
		p.write(b, v.Value)
	case *ast.FuncType:
		b.WriteString("func")
		b.WriteString(p.signature(v))
	case *ast.StructType:
		b.WriteString("struct{")
		for i, f := range v.Fields.List {
			if i > 0 {
				b.WriteString("; ")
			}
			for j, n := range f.Names {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(n.Name)
			}
			if len(f.Names) > 0 {
				b.WriteByte(' ')
			}
			p.write(b, f.Type)
			if f.Tag != nil {
				b.WriteByte(' ')
				b.WriteString(f.Tag.Value)
			}
		}
		b.WriteByte('}')
	case *ast.InterfaceType:
		var parts []string
		for _, m := range v.Methods.List {
			if len(m.Names) == 0 {
				parts = append(parts, p.expr(m.Type))
				continue
			}
			for _, n := range m.Names {
				if ft, ok := m.Type.(*ast.FuncType); ok {
					parts = append(parts, n.Name+p.signature(ft))
				}
			}
		}
		sort.Strings(parts)
		b.WriteString("interface{" + strings.Join(parts, "; ") + "}")
	case *ast.IndexExpr:
		p.write(b, v.X)
		b.WriteByte('[')
		p.write(b, v.Index)
		b.WriteByte(']')
	case *ast.IndexListExpr:
		p.write(b, v.X)
		b.WriteByte('[')
		for i, ix := range v.Indices {
			if i > 0 {
				b.WriteString(", ")
			}
			p.write(b, ix)
		}
		b.WriteByte(']')
	case *ast.BinaryExpr: // unions in constraints
		p.write(b, v.X)
		b.WriteString(" " + v.Op.String() + " ")
		p.write(b, v.Y)
	case *ast.UnaryExpr: // ~T
		b.WriteString(v.Op.String())
		p.write(b, v.X)
	default:
		b.WriteString(types.ExprString(e))
	}
}

// signature renders a function type's parameters and results without
// their names.
func (p *typePrinter) signature(ft *ast.FuncType) string {
	var b strings.Builder
	b.WriteByte('(')
	p.fieldTypes(&b, ft.Params)
	b.WriteByte(')')
	if ft.Results == nil || len(ft.Results.List) == 0 {
		return b.String()
	}
	n := ft.Results.NumFields()
	b.WriteByte(' ')
	if n > 1 {
		b.WriteByte('(')
	}
	p.fieldTypes(&b, ft.Results)
	if n > 1 {
		b.WriteByte(')')
	}
	return b.String()
}

func (p *typePrinter) fieldTypes(b *strings.Builder, fl *ast.FieldList) {
	if fl == nil {
		return
	}
	first := true
	for _, f := range fl.List {
		n := len(f.Names)
		if n == 0 {
			n = 1
		}
		t := p.expr(f.Type)
		for i := 0; i < n; i++ {
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(t)
		}
	}
}
