#!/usr/bin/python
# Takes a secret in a no_log argument and returns it, and a value that
# contains it: AnsibleModule masks both in what it returns, and the
# invocation shows the argument as VALUE_SPECIFIED_IN_NO_LOG_PARAMETER.
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        name=dict(type='str', required=True),
        token=dict(type='str', required=True, no_log=True),
        fail=dict(type='bool', default=False),
    ))
    token = module.params['token']
    if module.params['fail']:
        module.fail_json(msg='cannot store %s with %s' % (module.params['name'], token))
    module.exit_json(changed=True, name=module.params['name'], echoed=token,
                     sentence='the token is %s' % token, length=len(token))


if __name__ == '__main__':
    main()
