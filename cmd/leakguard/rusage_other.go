//go:build !unix

package main

// writeRusage does nothing where getrusage is missing.
func writeRusage(string) {}
