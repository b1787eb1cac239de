//go:build !linux && !darwin

package gitscan

// mapIndex is not implemented here: git reads the index (diffIndex).
func mapIndex(string) ([]byte, func(), error) {
	return nil, nil, errIndexUnsupported
}
