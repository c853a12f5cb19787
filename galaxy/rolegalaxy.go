package galaxy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// v1Role is what a Galaxy server's v1 API says about a role.
type v1Role struct {
	ID           int    `json:"id"`
	GithubUser   string `json:"github_user"`
	GithubRepo   string `json:"github_repo"`
	GithubBranch string `json:"github_branch"`
}

type v1Version struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	DownloadURL string `json:"download_url"`
}

// roleAPI is the first server with the v1 (roles) API, else the first.
func (in *Installer) roleAPI(ctx context.Context) (*api, error) {
	if len(in.Servers) == 0 {
		return nil, errors.New("no Galaxy server configured")
	}
	var first *api
	var firstErr error
	for _, s := range in.Servers {
		a, err := connect(ctx, in.client(), s)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if _, ok := a.versions["v1"]; ok {
			return a, nil
		}
		if first == nil {
			first = a
		}
	}
	if first == nil {
		return nil, firstErr
	}
	return first, nil
}

// fetchGalaxyRole downloads a role named USER.NAME from a Galaxy server's
// v1 API: the version asked for, else the newest, else the repository's
// branch; role.Version becomes the one installed.
func (in *Installer) fetchGalaxyRole(ctx context.Context, tmp string, role *RoleReq) (string, error) {
	a, err := in.roleAPI(ctx)
	if err != nil {
		return "", err
	}
	v1, ok := a.versions["v1"]
	if !ok {
		return "", fmt.Errorf("- sorry, %s was not found on %s.", role.Src, a.root)
	}
	i := strings.LastIndex(role.Src, ".")
	if i < 0 {
		return "", fmt.Errorf("Invalid role name (%s). Specify role as format: username.rolename", role.Src)
	}
	user, name := role.Src[:i], role.Src[i+1:]
	in.printf("- downloading role '%s', owned by %s", name, user)
	var found struct {
		Results []v1Role `json:"results"`
	}
	q := "?owner__username=" + url.QueryEscape(user) + "&name=" + url.QueryEscape(name)
	if err := a.getJSON(ctx, urlJoin(a.root, v1, "roles", q), &found); err != nil {
		return "", err
	}
	if len(found.Results) == 0 {
		return "", fmt.Errorf("- sorry, %s was not found on %s.", role.Src, a.root)
	}
	rd := found.Results[0]
	versions := in.roleVersions(ctx, a, v1, rd.ID)
	switch {
	case role.Version == "" && len(versions) > 0:
		best := versions[0].Name
		for _, v := range versions[1:] {
			if compareLoose(v.Name, best) > 0 {
				best = v.Name
			}
		}
		role.Version = best
	case role.Version == "" && rd.GithubBranch != "":
		role.Version = rd.GithubBranch
	case role.Version == "":
		role.Version = "master"
	case role.Version != "master" && len(versions) > 0:
		known := false
		for _, v := range versions {
			known = known || v.Name == role.Version
		}
		if !known {
			return "", fmt.Errorf("- the specified version (%s) of %s was not found in the list of available versions.", role.Version, role.Name)
		}
	}
	role.VersionSet = true
	archive := ""
	for _, v := range versions {
		if v.Name == role.Version && v.DownloadURL != "" {
			archive = v.DownloadURL
		}
	}
	if archive == "" && rd.GithubUser != "" && rd.GithubRepo != "" {
		archive = fmt.Sprintf("https://github.com/%s/%s/archive/%s.tar.gz", rd.GithubUser, rd.GithubRepo, role.Version)
	}
	if archive == "" {
		return "", fmt.Errorf("- sorry, %s has no download address on %s.", role.Src, a.root)
	}
	in.printf("- downloading role from %s", archive)
	out := filepath.Join(tmp, "role.tar.gz")
	if err := download(ctx, in.client(), archive, out); err != nil {
		return "", fmt.Errorf("failed to download the file: %w", err)
	}
	return out, nil
}

// roleVersions lists a role's versions, following next_link; a failure
// is only warned about, as ansible-galaxy does.
func (in *Installer) roleVersions(ctx context.Context, a *api, v1 string, id int) []v1Version {
	var out []v1Version
	address := urlJoin(a.root, v1, "roles", strconv.Itoa(id), "versions", "?page_size=50")
	base, _ := url.Parse(a.root)
	for address != "" {
		var page struct {
			Results  []v1Version `json:"results"`
			NextLink string      `json:"next_link"`
		}
		if err := a.getJSON(ctx, address, &page); err != nil {
			in.warn("Unable to retrieve role (id=%d) data (versions), but this is not fatal so we continue: %v", id, err)
			return out
		}
		out = append(out, page.Results...)
		address = ""
		if page.NextLink != "" && base != nil {
			address = urlJoin(base.Scheme+"://"+base.Host+"/", page.NextLink)
		}
	}
	return out
}

// compareLoose orders versions as Python's LooseVersion: runs of digits
// as numbers, other runs as text.
func compareLoose(a, b string) int {
	x, y := looseParts(a), looseParts(b)
	for i := 0; i < len(x) && i < len(y); i++ {
		n, errA := strconv.Atoi(x[i])
		m, errB := strconv.Atoi(y[i])
		switch {
		case errA == nil && errB == nil && n != m:
			if n < m {
				return -1
			}
			return 1
		case errA == nil && errB == nil:
		case x[i] != y[i]:
			return strings.Compare(x[i], y[i])
		}
	}
	return len(x) - len(y)
}

func looseParts(s string) []string {
	var out []string
	cur, digits := "", false
	for _, r := range s {
		if r == '.' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		d := unicode.IsDigit(r)
		if cur != "" && d != digits {
			out = append(out, cur)
			cur = ""
		}
		cur += string(r)
		digits = d
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
