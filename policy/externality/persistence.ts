// Places whose content runs later without anyone asking: shell start-up files, scheduled jobs, service units,
// git hooks, ssh's authorized keys and per-user config that names programs to run. Writing one outlives the
// session; for those holding shell code, the text written is judged as if it ran now.
import { GlobSet } from './glob.js';

/** `code`: the file is shell code that runs later; `access`: it grants access or names a program to run. */
export type Persistence = 'code' | 'access';

const CODE = new GlobSet(
  [
    '**/.bashrc',
    '**/.bash_profile',
    '**/.bash_login',
    '**/.bash_logout',
    '**/.profile',
    '**/.zshrc',
    '**/.zshenv',
    '**/.zprofile',
    '**/.zlogin',
    '**/.config/fish/**',
    '/etc/profile',
    '/etc/profile.d/**',
    '/etc/bash.bashrc',
    '/etc/zsh/**',
    '**/.git/hooks/**',
    '**/.husky/**',
    '/etc/cron*/**',
    '/etc/crontab',
    '/var/spool/cron/**',
    '/etc/rc.local',
    '**/.ssh/rc',
  ],
  'path',
);

const ACCESS = new GlobSet(
  [
    '**/.ssh/authorized_keys',
    '**/.ssh/authorized_keys2',
    '**/.ssh/config',
    '**/.config/systemd/user/**',
    '/etc/systemd/**',
    '/lib/systemd/**',
    '/usr/lib/systemd/**',
    '**/Library/LaunchAgents/**',
    '/Library/LaunchDaemons/**',
    '**/.config/autostart/**',
    '**/.gitconfig',
    '**/.config/git/config',
    '**/.git/config',
    '/etc/sudoers',
    '/etc/sudoers.d/**',
    '/etc/ld.so.preload',
    '**/sitecustomize.py',
    '**/usercustomize.py',
    '**/site-packages/*.pth',
  ],
  'path',
);

export function persistenceOf(path: string): Persistence | undefined {
  if (CODE.matches(path)) return 'code';
  if (ACCESS.matches(path)) return 'access';
  return undefined;
}
