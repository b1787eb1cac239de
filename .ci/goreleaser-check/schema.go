package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// schemaErrors walks the loaded configuration as GoReleaser's JSON schema
// does: a field tagged deprecated=true that is set, or a value outside a
// field's enum=… list, is an error naming the field's YAML path.
func schemaErrors(v any) []error {
	var errs []error
	walk(reflect.ValueOf(v), "", func(path string, f reflect.StructField, v reflect.Value) {
		tag := f.Tag.Get("jsonschema")
		if tag == "" {
			return
		}
		var enum []string
		deprecated, oneOf := false, false
		for _, part := range strings.Split(tag, ",") {
			switch {
			case part == "deprecated=true":
				deprecated = true
			case strings.HasPrefix(part, "enum="):
				enum = append(enum, strings.TrimPrefix(part, "enum="))
			case strings.HasPrefix(part, "oneof_type="):
				oneOf = true
			}
		}
		if deprecated && !v.IsZero() {
			errs = append(errs, fmt.Errorf("%s: deprecated (see GoReleaser's deprecation notices)", path))
		}
		if len(enum) == 0 || oneOf {
			return
		}
		var values []string
		switch {
		case v.Kind() == reflect.String:
			values = []string{v.String()}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			for i := range v.Len() {
				values = append(values, v.Index(i).String())
			}
		case v.Kind() == reflect.Int:
			values = []string{fmt.Sprint(v.Int())}
		}
		for _, s := range values {
			if s != "" && !slices.Contains(enum, s) {
				errs = append(errs, fmt.Errorf("%s: %q is not one of %s", path, s, strings.Join(enum, ", ")))
			}
		}
	})
	return errs
}

// walk calls fn for every struct field under v with its YAML path
// (builds[0].ldflags); inline fields add no path element.
func walk(v reflect.Value, path string, fn func(string, reflect.StructField, reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, fn)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			walk(it.Value(), fmt.Sprintf("%s.%v", path, it.Key()), fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" {
				continue
			}
			p := path
			if name != "" {
				p = strings.TrimPrefix(path+"."+name, ".")
			}
			fn(p, f, v.Field(i))
			walk(v.Field(i), p, fn)
		}
	}
}
