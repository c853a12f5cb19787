#!/usr/bin/python
# A module whose output is not only its JSON result, as async_wrapper
# reads it: an exception, junk after the JSON, text on stderr.
import json
import sys

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(mode=dict(type='str', required=True)))
    mode = module.params['mode']
    if mode == 'exception':
        raise Exception('failing via exception')
    if mode == 'junk':
        print(json.dumps(dict(changed=True, warnings=['own warning'])))
        print('trailing junk')
        sys.exit(0)
    if mode == 'stderr':
        sys.stderr.write('said on stderr\n')
    module.exit_json(changed=False, mode=mode)


if __name__ == '__main__':
    main()
