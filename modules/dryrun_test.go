package modules

import (
	"strings"
	"testing"

	"github.com/fjord-run/fjord/dryrun"
)

func TestPredictAptAndUnit(t *testing.T) {
	env := &Env{Host: "h", Check: true, Sim: dryrun.New()}
	if r := predictedUnit(env, "nginx", "started", nil); r != nil {
		t.Fatalf("a unit is predicted with no package to install: %+v", r)
	}
	predictApt(env, "NOTE: This is only a simulation!\nInst libnginx-mod (1.22 Debian:12/stable [amd64])\nInst nginx (1.22.1-9 Debian:12/stable [all])\nConf nginx (1.22.1-9)\nRemv apache2 [2.4]\n")
	if got := strings.Join(env.Sim.Installed(), " "); got != "libnginx-mod nginx" {
		t.Errorf("installed: %q", got)
	}
	on := true
	// Debian starts and enables what it installs: nothing left to do
	r := predictedUnit(env, "nginx.service", "started", &on)
	if r == nil || r.Changed || r.Failed || r.Msg != "nginx.service would be running after nginx is installed (the unit is not on the host yet)" {
		t.Errorf("predicted unit: %+v", r)
	}
	if r := predictedUnit(env, "nginx", "restarted", nil); r == nil || !r.Changed || !strings.Contains(r.Msg, "would restart after nginx is installed") {
		t.Errorf("a restart after the install: %+v", r)
	}
	r = predictedUnit(env, "php-fpm", "", &on)
	if r == nil || !strings.Contains(r.Msg, "after the packages this run installs are installed") {
		t.Errorf("a unit no package is named after: %+v", r)
	}
	for unit, want := range map[string]string{"openvpn-server@server": "openvpn", "mariadb.socket": "mariadb-server", "ssh": ""} {
		if got := unitPackage(unit, []string{"mariadb-client", "mariadb-server", "openvpn", "openssh-client"}); got != want {
			t.Errorf("unitPackage(%s) = %q, want %q", unit, got, want)
		}
	}
	env.Check = false
	if r := predictedUnit(env, "nginx", "started", nil); r != nil {
		t.Error("a real run's missing unit is predicted")
	}
}
