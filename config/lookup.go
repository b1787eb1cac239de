package config

import "path/filepath"

// Lookup says where a scan's configuration is: the file -c names, else
// the one [FindFor] finds for the scanned directory.
type Lookup struct {
	// Flag is -c FILE as given ("" for none); a relative path is
	// relative to Dir when set.
	Flag string
	// Dir is -C DIR ("" for the working directory).
	Dir string
	// Root and Anchor are the repository (or the base commit's work tree)
	// and the scanned directory, as in [FindFor].
	Root, Anchor string
	// Getenv reads $LEAKGUARD_CONFIG and where the user-level file is.
	Getenv func(string) string
	// Read and Exists read the files and say whether one exists (nil:
	// os.ReadFile, and on disk), as in [LoadLayers] and [FindFor].
	Read   func(string) ([]byte, error)
	Exists func(string) bool
}

// Load loads the file the lookup finds (or none: the defaults) over the
// user-level file ([UserPath]) and the embedded defaults.
func (l Lookup) Load() (*Config, error) {
	path := l.Flag
	if path != "" && !filepath.IsAbs(path) && l.Dir != "" {
		path = filepath.Join(l.Dir, path)
	}
	if path == "" {
		path = FindFor(l.Root, l.Anchor, l.Getenv, l.Exists)
	}
	return LoadLayers(path, UserPath(l.Getenv), l.Read)
}
