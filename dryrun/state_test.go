package dryrun

import (
	"reflect"
	"testing"
)

func TestStatePaths(t *testing.T) {
	s := New()
	if _, _, ok := s.Stat("/etc/passwd"); ok {
		t.Fatal("an empty state answers for the host")
	}
	s.Put("/srv/app", File{Type: "directory", New: true})
	s.Put("/srv/app/a.conf", File{Type: "file", Content: []byte("x\n"), Known: true, Mode: 0o600})
	s.Put("/etc/app.conf", File{Type: "file"})
	fi, content, ok := s.Stat("/srv/app/a.conf")
	if !ok || !fi.Exists || fi.Type != "file" || string(content) != "x\n" || fi.Mode != 0o600 || fi.Checksum == "" {
		t.Errorf("predicted file: %+v %q %v", fi, content, ok)
	}
	// below a directory the run would create, only what it predicts is there
	if fi, _, ok := s.Stat("/srv/app/other"); !ok || fi.Exists {
		t.Errorf("unpredicted path in a new directory: %+v %v", fi, ok)
	}
	// beside a file in an existing directory, the host answers
	if _, _, ok := s.Stat("/etc/passwd"); ok {
		t.Error("a path in an existing directory is answered by the prediction")
	}
	if fi, _, ok := s.Stat("/etc/app.conf"); !ok || fi.Checksum != "" {
		t.Errorf("a file of unknown content has a checksum: %+v", fi)
	}
	s.Put("/srv", File{})
	if fi, _, ok := s.Stat("/srv/app/a.conf"); !ok || fi.Exists {
		t.Errorf("below a removed directory: %+v %v", fi, ok)
	}
	s.Forget("/srv")
	if _, _, ok := s.Stat("/srv/app"); ok {
		t.Error("a forgotten path is still predicted")
	}
	if _, _, ok := s.Stat("relative"); ok {
		t.Error("a relative path is answered")
	}
	var none *State
	none.Put("/x", File{Type: "file"})
	if _, _, ok := none.Stat("/x"); ok {
		t.Error("a nil state answers")
	}
}

func TestStateUnknowns(t *testing.T) {
	s := New()
	s.Unknowable("out")
	s.Unknowable("rc")
	if got := s.Uses("out.stdout == 'x'", "{{ other }}", "{{ rc2 }}"); !reflect.DeepEqual(got, []string{"out"}) {
		t.Errorf("Uses: %v", got)
	}
	s.Known("out")
	if got := s.Uses("out is changed"); len(got) != 0 {
		t.Errorf("a variable registered again is still unknown: %v", got)
	}
	s.Package("nginx", true)
	s.Package("apache2", false)
	s.Package("libc6", true)
	if got := s.Installed(); !reflect.DeepEqual(got, []string{"libc6", "nginx"}) {
		t.Errorf("Installed: %v", got)
	}
}

func TestStateAccounts(t *testing.T) {
	s := New()
	if _, ok := s.Group("web"); ok {
		t.Fatal("an empty state answers for a group")
	}
	s.PutGroup("web", &Group{Name: "web", GID: "900"})
	s.PutUser("deploy", &User{Name: "deploy", Group: "web", Groups: []string{"adm"}, Home: "/home/deploy", New: true})
	u, ok := s.User("deploy")
	if !ok || u == nil || u.Group != "web" || !u.New {
		t.Fatalf("predicted user: %+v %v", u, ok)
	}
	u.Groups[0] = "changed"
	if u, _ := s.User("deploy"); u.Groups[0] != "adm" {
		t.Error("a caller's copy changes the prediction")
	}
	s.PutUser("old", nil)
	if u, ok := s.User("old"); !ok || u != nil {
		t.Errorf("removed user: %+v %v", u, ok)
	}
	s.PutCrontab("deploy", "#Ansible: x\n")
	s.ForgetUser("deploy")
	if _, ok := s.User("deploy"); ok {
		t.Error("a forgotten user is still predicted")
	}
	if _, ok := s.Crontab("deploy"); ok {
		t.Error("a forgotten user's crontab is still predicted")
	}
	s.PutGroup("web", nil)
	if g, ok := s.Group("web"); !ok || g != nil {
		t.Errorf("removed group: %+v %v", g, ok)
	}
	s.ForgetGroup("web")
	if _, ok := s.Group("web"); ok {
		t.Error("a forgotten group is still predicted")
	}
	s.PutKernel("vm.swappiness", "10")
	if v, ok := s.Kernel("vm.swappiness"); !ok || v != "10" {
		t.Errorf("kernel value %q %v", v, ok)
	}
	s.ForgetKernel("vm.swappiness")
	if _, ok := s.Kernel("vm.swappiness"); ok {
		t.Error("a forgotten kernel value is still predicted")
	}
	var none *State
	none.PutUser("x", &User{Name: "x"})
	if _, ok := none.User("x"); ok {
		t.Error("a nil state answers for a user")
	}
}
