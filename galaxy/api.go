package galaxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Server is one Galaxy server, as ansible.cfg's [galaxy_server.NAME]
// sections or -s give it.
type Server struct {
	Name  string
	URL   string
	Token string
}

// api is a connection to a Galaxy server whose API root has been found.
type api struct {
	server   Server
	client   *http.Client
	root     string            // the API root URL, ending in /
	versions map[string]string // available_versions: v3 -> "v3/"
}

// errNotFound is a 404 from the server: no such collection there.
var errNotFound = errors.New("not found")

func (a *api) getJSON(ctx context.Context, address string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if a.server.Token != "" {
		req.Header.Set("Authorization", "Token "+a.server.Token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", address, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("Galaxy error (HTTP Code: %d, Message: %s) from %s", resp.StatusCode, http.StatusText(resp.StatusCode), address)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: not a Galaxy API answer: %w", address, err)
	}
	return nil
}

// urlJoin joins URL parts as ansible's _urljoin does: each part without
// its slashes, joined by one.
func urlJoin(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, strings.Trim(p, "/"))
		}
	}
	return strings.Join(out, "/")
}

// connect finds the server's API root: the URL itself if it answers
// with available_versions, else URL/api/.
func connect(ctx context.Context, client *http.Client, s Server) (*api, error) {
	a := &api{server: s, client: client}
	var root struct {
		Versions map[string]string `json:"available_versions"`
	}
	address := s.URL
	err := a.getJSON(ctx, address, &root)
	if err != nil || root.Versions == nil {
		trimmed := strings.TrimSuffix(address, "/")
		if strings.HasSuffix(trimmed, "/api") {
			if err == nil {
				err = fmt.Errorf("Tried to find galaxy API root at %s but no 'available_versions' are available on %s", address, s.URL)
			}
			return nil, err
		}
		address = urlJoin(address, "/api/")
		if err2 := a.getJSON(ctx, address, &root); err2 != nil {
			if errors.Is(err2, errNotFound) && err != nil {
				return nil, err
			}
			return nil, err2
		}
		if root.Versions == nil {
			return nil, fmt.Errorf("Tried to find galaxy API root at %s but no 'available_versions' are available on %s", address, s.URL)
		}
	}
	a.root = address
	a.versions = root.Versions
	return a, nil
}

func (a *api) apiPath() (string, error) {
	if p, ok := a.versions["v3"]; ok {
		return p, nil
	}
	if p, ok := a.versions["v2"]; ok {
		return p, nil
	}
	return "", fmt.Errorf("none of the API versions v2, v3 is available on %s (%s)", a.server.Name, a.root)
}

// collectionVersions lists the versions of NS.NAME the server has; none
// when it does not have the collection.
func (a *api) collectionVersions(ctx context.Context, ns, name string) ([]string, error) {
	p, err := a.apiPath()
	if err != nil {
		return nil, err
	}
	_, v3 := a.versions["v3"]
	param := "page_size"
	if v3 {
		param = "limit"
	}
	address := urlJoin(a.root, p, "collections", ns, name, "versions", "/?"+param+"=100")
	var out []string
	for address != "" {
		var page struct {
			Data    []struct{ Version string } `json:"data"`
			Results []struct{ Version string } `json:"results"`
			Links   struct {
				Next string `json:"next"`
			} `json:"links"`
			Next string `json:"next"`
		}
		if err := a.getJSON(ctx, address, &page); err != nil {
			if errors.Is(err, errNotFound) {
				return out, nil
			}
			return nil, err
		}
		for _, v := range append(page.Data, page.Results...) {
			out = append(out, v.Version)
		}
		next := page.Next
		if v3 {
			next = page.Links.Next
		}
		if next == "" {
			break
		}
		// v3 servers give the next page relative to the server.
		base, err := url.Parse(address)
		if err != nil {
			return nil, err
		}
		ref, err := url.Parse(next)
		if err != nil {
			return nil, err
		}
		address = base.ResolveReference(ref).String()
	}
	return out, nil
}

// versionInfo is what the server says about one version of a collection.
type versionInfo struct {
	Href        string `json:"href"`
	DownloadURL string `json:"download_url"`
	Version     string `json:"version"`
	Artifact    struct {
		SHA256 string `json:"sha256"`
	} `json:"artifact"`
	Metadata struct {
		Dependencies map[string]string `json:"dependencies"`
	} `json:"metadata"`
	Signatures []any `json:"signatures"`
}

func (a *api) collectionVersion(ctx context.Context, ns, name, version string) (*versionInfo, error) {
	p, err := a.apiPath()
	if err != nil {
		return nil, err
	}
	var info versionInfo
	address := urlJoin(a.root, p, "collections", ns, name, "versions", version, "/")
	if err := a.getJSON(ctx, address, &info); err != nil {
		return nil, err
	}
	if info.DownloadURL != "" {
		if base, err := url.Parse(address); err == nil {
			if ref, err := url.Parse(info.DownloadURL); err == nil {
				info.DownloadURL = base.ResolveReference(ref).String()
			}
		}
	}
	return &info, nil
}
