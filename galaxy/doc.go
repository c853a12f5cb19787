// Package galaxy installs, lists and creates Ansible roles and
// collections the way ansible-galaxy 2.14 does: roles from git
// repositories, tarball URLs and local tarballs into a roles path with
// meta/.galaxy_install_info; collections from git, URLs, files,
// directories and a Galaxy server's v3 API into
// PATH/ansible_collections/NS/NAME with MANIFEST.json and FILES.json, so
// that ansible-playbook and ansible-galaxy find what fjord installed and
// the other way round.
package galaxy
