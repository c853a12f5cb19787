#!/usr/bin/python
# Returns ansible_facts: names with and without the ansible_ prefix, a
# nested value and a name a module may not set (ansible_user); with
# fail=true it fails, facts and all.
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        tag=dict(type='str', required=True),
        fail=dict(type='bool', default=False),
    ), supports_check_mode=True)
    tag = module.params['tag']
    facts = dict(
        ansible_fjord_color='blue-' + tag,
        fjord_plain='plain-' + tag,
        ansible_fjord_nested=dict(tag=tag, items=[1, 2]),
        ansible_user='intruder',
    )
    if module.params['fail']:
        module.fail_json(msg='failing with facts', ansible_facts=dict(fjord_failed_fact=tag))
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == '__main__':
    main()
