/**
 * The interop run needs Perl with Net::SMPP (and JSON::PP, core since Perl 5.14). A fresh
 * machine or CI may lack them, so the run installs Debian's libnet-smpp-perl itself (which
 * brings perl along): as root directly, else through `sudo -n`. When that is impossible it
 * stops with a message saying what to install.
 */
import { spawnSync } from 'node:child_process';

const PACKAGE = 'libnet-smpp-perl';
const HOW_TO_INSTALL = `install Debian's ${PACKAGE} (apt-get install ${PACKAGE}) or Net::SMPP from CPAN, then run npm run interop again`;

function hasNetSmpp(): boolean {
  const probe = spawnSync('perl', ['-MNet::SMPP', '-MJSON::PP', '-MIO::Select', '-MTime::HiRes', '-e', '1'], { stdio: 'ignore' });
  return probe.status === 0;
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Runs an installer step with its output on our stderr (progress), never on stdout. */
function run(argv: readonly string[]): boolean {
  const [command, ...args] = argv;
  const result = spawnSync(command!, args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** Returns a description of the Perl in use; throws with a fix when Net::SMPP cannot be had. */
export function ensureNetSmpp(log: (line: string) => void): string {
  if (!hasNetSmpp()) {
    log(`Net::SMPP is not installed: installing ${PACKAGE} with apt-get`);
    if (!commandExists('apt-get')) throw new Error(`Net::SMPP (Perl) is missing and this machine has no apt-get: ${HOW_TO_INSTALL}`);
    const asRoot = process.getuid?.() === 0;
    if (!asRoot && !commandExists('sudo')) throw new Error(`Net::SMPP (Perl) is missing and installing it needs root (no sudo here): ${HOW_TO_INSTALL}`);
    const prefix = asRoot ? [] : ['sudo', '-n'];
    const installed = run([...prefix, 'apt-get', 'update']) && run([...prefix, 'apt-get', 'install', '-y', '--no-install-recommends', PACKAGE]);
    if (!installed || !hasNetSmpp()) throw new Error(`Net::SMPP (Perl) is missing and could not be installed${asRoot ? '' : ' (sudo -n refused?)'}: ${HOW_TO_INSTALL}`);
  }
  const version = spawnSync('perl', ['-MNet::SMPP', '-e', 'printf "Net::SMPP %s on Perl %vd", $Net::SMPP::VERSION, $^V'], { encoding: 'utf8' });
  return version.stdout.trim();
}
