// Package english spells counts for people: "1 file", "2 entries",
// "1.5 MiB".
package english

import (
	"fmt"
	"strconv"
)

// irregular is the plural of a word the rules below get wrong ("" for
// others). A switch, not a map: nothing to build at start-up.
func irregular(word string) string {
	switch word {
	case "was":
		return "were"
	case "is":
		return "are"
	case "has":
		return "have"
	case "this":
		return "these"
	case "it":
		return "they"
	}
	return ""
}

// Plural is the noun's plural: entry → entries, match → matches, key →
// keys, exposure → exposures.
func Plural(noun string) string {
	if p := irregular(noun); p != "" {
		return p
	}
	n := len(noun)
	switch {
	case n == 0:
		return noun
	case n > 1 && noun[n-1] == 'y' && !vowel(noun[n-2]):
		return noun[:n-1] + "ies"
	case hasSuffix(noun, "s", "x", "z", "ch", "sh"):
		return noun + "es"
	}
	return noun + "s"
}

// Count is n and the noun, singular for one: Count(1, "file") is
// "1 file", Count(2, "entry") "2 entries", Count(0, "finding")
// "0 findings".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + Plural(noun)
}

// Word is the noun alone, singular for one: Word(3, "was") is "were".
func Word(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return Plural(noun)
}

// Bytes is a size in bytes for people: "512 B", "1.5 KiB", "10.0 MiB",
// "2.0 GiB".
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func vowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

func hasSuffix(s string, sufs ...string) bool {
	for _, x := range sufs {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}
