package report

import "fmt"

// GitHubChangedAnnotation is the warning annotation on a file that decides
// what leakguard reports (its config or an ignore file) when a pull
// request changes it: the scan used the base commit's version.
func GitHubChangedAnnotation(file string) string {
	return fmt.Sprintf("::warning file=%s,title=%s::%s", GitHubEscapeProperty(file), GitHubEscapeProperty("leakguard: "+file+" changed"),
		GitHubEscapeData("this pull request changes "+file+", which decides what leakguard reports; the scan used the base commit's version"))
}
