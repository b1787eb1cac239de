package gitscan

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// githubRemoteRe is a GitHub remote URL: https://github.com/o/r(.git),
// git@github.com:o/r(.git) or ssh://git@github.com/o/r(.git).
var githubRemoteRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$`)
})

// GitHubPage is the repository's page on GitHub, for links in reports:
// GITHUB_SERVER_URL/GITHUB_REPOSITORY in Actions (read through getenv),
// else the origin remote of the work tree at root when it is on
// github.com; "" otherwise.
func GitHubPage(ctx context.Context, getenv func(string) string, root string) string {
	if repo := getenv("GITHUB_REPOSITORY"); repo != "" && strings.Count(repo, "/") == 1 {
		server := strings.TrimRight(getenv("GITHUB_SERVER_URL"), "/")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + repo
	}
	if root == "" {
		return ""
	}
	out, err := exec.CommandContext(ctx, "git", "-C", root, "config", "--get", "remote.origin.url").Output()
	if err != nil {
		return ""
	}
	m := githubRemoteRe().FindStringSubmatch(strings.TrimSpace(string(out)))
	if m == nil {
		return ""
	}
	return "https://github.com/" + m[1] + "/" + m[2]
}
