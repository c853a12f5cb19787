package galaxy

import (
	"fmt"
	"os"
	"path/filepath"
)

// InitRole creates a role skeleton NAME under dir with the directories
// and files ansible-galaxy's default skeleton has (the wording of the
// files is fjord's own). force re-initializes an existing directory.
func InitRole(dir, name string, force bool) (string, error) {
	root := filepath.Join(dir, name)
	if _, err := os.Stat(root); err == nil && !force {
		return "", fmt.Errorf("- the directory %s already exists. You can use --force to re-initialize this directory,\n"+
			"however it will reset any main.yml files that may have\nbeen modified there already.", root)
	}
	files := map[string]string{
		"README.md": name + "\n" + underline(len(name)) + "\n\nWhat the role does.\n\n" +
			"Requirements\n------------\n\nWhat the role needs on the managed hosts.\n\n" +
			"Role Variables\n--------------\n\nThe variables the role reads, with their defaults.\n\n" +
			"Dependencies\n------------\n\nOther roles this one depends on.\n\n" +
			"Example Playbook\n----------------\n\n    - hosts: servers\n      roles:\n         - role: " + name + "\n\n" +
			"License\n-------\n\nBSD\n\nAuthor Information\n------------------\n\nWho wrote the role.\n",
		"defaults/main.yml": "---\n# default variables of " + name + "\n",
		"handlers/main.yml": "---\n# handlers of " + name + "\n",
		"tasks/main.yml":    "---\n# tasks of " + name + "\n",
		"vars/main.yml":     "---\n# variables of " + name + "\n",
		"tests/inventory":   "localhost\n\n",
		"tests/test.yml":    "---\n- hosts: localhost\n  remote_user: root\n  roles:\n    - " + name + "\n",
		"meta/main.yml": "galaxy_info:\n  author: your name\n  description: your role description\n  company: your company (optional)\n" +
			"  license: license (GPL-2.0-or-later, MIT, etc)\n  min_ansible_version: 2.1\n  galaxy_tags: []\n\ndependencies: []\n",
	}
	for _, d := range []string{"defaults", "files", "handlers", "meta", "tasks", "templates", "tests", "vars"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", err
		}
	}
	for f, text := range files {
		if err := os.WriteFile(filepath.Join(root, f), []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}

func underline(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '='
	}
	return string(b)
}
