# Sourced by bench/ssh.sh and bench/local.sh: write_pb20 DIR HOSTS
# writes DIR/site.yml, 20 tasks on HOSTS, a mix of what real plays do most
# (file, copy, template, lineinfile, command, shell, stat), and the files
# and template they use; each host writes under {{ out }}/its name.
write_pb20() {
mkdir -p "$1/files" "$1/templates"
for i in 1 2 3 4; do printf 'static file %d\n' "$i" > "$1/files/f$i.txt"; done
cat > "$1/templates/app.conf.j2" <<'J2'
# {{ inventory_hostname }}
port = {{ ansible_port | default(22) }}
{% for i in range(5) %}
worker{{ i }} = {{ inventory_hostname }}-{{ i }}
{% endfor %}
J2
sed "s/^- hosts: HOSTS$/- hosts: $2/" > "$1/site.yml" <<'YML'
- hosts: HOSTS
  gather_facts: false
  vars:
    d: "{{ out }}/{{ inventory_hostname }}"
  tasks:
    - { name: "t01 dir", file: { path: "{{ d }}", state: directory, mode: "0755" } }
    - { name: "t02 dir", file: { path: "{{ d }}/conf.d", state: directory, mode: "0755" } }
    - { name: "t03 copy", copy: { src: files/f1.txt, dest: "{{ d }}/f1.txt", mode: "0644" } }
    - { name: "t04 copy", copy: { src: files/f2.txt, dest: "{{ d }}/f2.txt", mode: "0644" } }
    - { name: "t05 copy", copy: { src: files/f3.txt, dest: "{{ d }}/conf.d/f3.txt", mode: "0600" } }
    - { name: "t06 copy content", copy: { content: "k = {{ inventory_hostname }}\n", dest: "{{ d }}/k.conf" } }
    - { name: "t07 template", template: { src: templates/app.conf.j2, dest: "{{ d }}/app.conf", mode: "0644" } }
    - { name: "t08 template", template: { src: templates/app.conf.j2, dest: "{{ d }}/conf.d/app2.conf" } }
    - { name: "t09 lineinfile", lineinfile: { path: "{{ d }}/lines", line: "a=1", create: true, mode: "0644" } }
    - { name: "t10 lineinfile", lineinfile: { path: "{{ d }}/lines", line: "b=2" } }
    - { name: "t11 lineinfile regexp", lineinfile: { path: "{{ d }}/lines", regexp: "^c=", line: "c=3" } }
    - { name: "t12 command creates", command: "touch {{ d }}/stamp1", args: { creates: "{{ d }}/stamp1" } }
    - { name: "t13 command", command: "cat {{ d }}/f1.txt", changed_when: false }
    - { name: "t14 shell", shell: "test -f {{ d }}/f2.txt && echo yes", changed_when: false }
    - { name: "t15 file touch-free", file: { path: "{{ d }}/f1.txt", mode: "0644" } }
    - { name: "t16 link", file: { src: "{{ d }}/f1.txt", dest: "{{ d }}/f1.link", state: link } }
    - { name: "t17 copy", copy: { src: files/f4.txt, dest: "{{ d }}/f4.txt" } }
    - { name: "t18 stat", stat: { path: "{{ d }}/app.conf" }, register: st }
    - { name: "t19 command removes", command: "rm {{ d }}/nothing", args: { removes: "{{ d }}/nothing" } }
    - { name: "t20 absent", file: { path: "{{ d }}/gone", state: absent } }
YML
}
