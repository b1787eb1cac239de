package keyfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/leakguard/leakguard/internal/atomicfile"
	"github.com/leakguard/leakguard/secret"
)

var locks sync.Map // absolute path → *sync.Mutex

// lockPath serialises read-modify-write cycles on one file within this
// process (several keys may share a file target).
func lockPath(p string) (unlock func()) {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	m, _ := locks.LoadOrStore(p, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Lock serialises read-modify-write cycles on the file at path within
// this process (several keys may share a file); call the returned func to
// unlock.
func Lock(path string) (unlock func()) { return lockPath(path) }

// Write writes value under spec's name in a dotenv or JSON key file,
// keeping every other byte of the file, through [atomicfile.Replace]. A new file
// is created with mode 0600.
func Write(spec Spec, value secret.Value) error {
	if spec.Kind != "file" && spec.Kind != "dotenv" {
		return fmt.Errorf("cannot write a %s source", spec.Kind)
	}
	unlock := lockPath(spec.Path)
	defer unlock()
	old, err := os.ReadFile(spec.Path) // the source of truth must exist
	if err != nil {
		return err
	}
	out, err := Edit(spec, old, value)
	if err != nil {
		return err
	}
	return atomicfile.Replace(spec.Path, out, 0o600)
}

// Edit returns content with value set under spec's name: a dotenv
// variable or a JSON string member.
func Edit(spec Spec, content []byte, value secret.Value) ([]byte, error) {
	switch spec.Kind {
	case "file":
		return SetJSONString(content, spec.Ref, value.Reveal())
	case "dotenv":
		return SetDotenv(content, spec.Ref, value.Reveal())
	}
	return nil, fmt.Errorf("cannot write a %s source", spec.Kind)
}
