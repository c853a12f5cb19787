#!/usr/bin/python
# Fails in the way `how` says: fail_json with extra keys, an uncaught
# exception, output that is not JSON, or a clean exit_json ("ok").
import sys

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        how=dict(type='str', required=True, choices=['fail', 'raise', 'text', 'exit3', 'ok']),
        detail=dict(type='str', default='none'),
    ))
    how = module.params['how']
    if how == 'fail':
        module.fail_json(msg='misbehave failed: %s' % module.params['detail'], rc=7,
                         detail=module.params['detail'], stdout='out1\nout2', changed=True)
    if how == 'raise':
        raise RuntimeError('misbehave raised')
    if how == 'text':
        print('this is not json')
        sys.exit(0)
    if how == 'exit3':
        sys.stderr.write('bad things\n')
        sys.exit(3)
    module.exit_json(changed=False, how=how)


if __name__ == '__main__':
    main()
