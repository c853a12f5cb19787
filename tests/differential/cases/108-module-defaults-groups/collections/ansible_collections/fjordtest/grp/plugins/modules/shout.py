#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        color=dict(type='str', default='none'),
        size=dict(type='str', default='none'),
    ))
    module.exit_json(changed=False, who='shout', color=module.params['color'], size=module.params['size'])


if __name__ == '__main__':
    main()
