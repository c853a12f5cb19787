package inventory

import (
	"fmt"
	"testing"
)

// GroupsMap is computed once and shared, and computed again after the
// inventory changes at run time (add_host, group_by).
func TestGroupsMapFollowsChanges(t *testing.T) {
	inv, err := Load([]string{"a,b"})
	if err != nil {
		t.Fatal(err)
	}
	m1 := inv.GroupsMap()
	if m1 != inv.GroupsMap() {
		t.Error("GroupsMap computed twice for an unchanged inventory")
	}
	if _, _, err := inv.AddHost("c", []string{"web"}, nil); err != nil {
		t.Fatal(err)
	}
	m2 := inv.GroupsMap()
	web, _ := m2.Get("web")
	all, _ := m2.Get("all")
	if fmt.Sprint(web) != "[c]" || fmt.Sprint(all) != "[a b c]" {
		t.Errorf("after add_host: web %v, all %v", web, all)
	}
	h, _ := inv.Host("a")
	if _, err := inv.AddToGroup(h, "db", nil); err != nil {
		t.Fatal(err)
	}
	if db, _ := inv.GroupsMap().Get("db"); fmt.Sprint(db) != "[a]" {
		t.Errorf("after group_by: db %v", db)
	}
	if all, _ := m1.Get("all"); fmt.Sprint(all) != "[a b]" {
		t.Errorf("the first map changed in place: all %v", all)
	}
}
