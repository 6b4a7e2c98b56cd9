#!/usr/bin/env bash
# Install WordNet 3.0 for graderkit's `meteor` metric (and for nltk) without nltk's downloader.
#
# Usage: scripts/install-wordnet.sh [NLTK_DATA_DIR]      (default: $HOME/nltk_data)
#
# 1. Installs Debian's WordNet 3.0 database packages (wordnet-base, wordnet-sense-index) with
#    apt-get when /usr/share/wordnet lacks them (needs root or sudo).
# 2. Builds the layout nltk's WordNetCorpusReader reads, NLTK_DATA_DIR/corpora/wordnet/, by
#    COPYING the database files (nltk >= 3.10 refuses to follow a symlink out of its data root).
# 3. Generates `lexnames`, the one file the Debian packages lack: the fixed list of the 45
#    WordNet 3.0 lexicographer files, "NN<TAB>name<TAB>category" (lexnames(5WN)).
#
# Idempotent. Nothing is fetched except the two Debian packages through apt-get.
set -euo pipefail

home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
dest="${1:-${home}/nltk_data}"
wn_src="${WORDNET_DEBIAN_DIR:-/usr/share/wordnet}"
files=(cntlist.rev index.sense index.adj index.adv index.noun index.verb
       data.adj data.adv data.noun data.verb adj.exc adv.exc noun.exc verb.exc)

# The 45 lexicographer files of WordNet 3.0, in file-number order (lexnames(5WN)).
lexnames=(adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact
          noun.attribute noun.body noun.cognition noun.communication noun.event
          noun.feeling noun.food noun.group noun.location noun.motive noun.object
          noun.person noun.phenomenon noun.plant noun.possession noun.process
          noun.quantity noun.relation noun.shape noun.state noun.substance noun.time
          verb.body verb.change verb.cognition verb.communication verb.competition
          verb.consumption verb.contact verb.creation verb.emotion verb.motion
          verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl)

have_database() {
  local f
  for f in "${files[@]}"; do
    [[ -f "${wn_src}/${f}" ]] || return 1
  done
}

install_packages() {
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "install-wordnet: need root to run: apt-get install wordnet-base wordnet-sense-index" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-wordnet: no apt-get here; install WordNet 3.0 another way:" >&2
    echo "  python -m nltk.downloader wordnet" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  ${sudo} apt-get update -q
  ${sudo} apt-get install -y -q --no-install-recommends wordnet-base wordnet-sense-index
}

if ! have_database; then
  install_packages
  have_database || { echo "install-wordnet: ${wn_src} still incomplete" >&2; exit 1; }
fi

target="${dest}/corpora/wordnet"
mkdir -p "${target}"
chmod 755 "${dest}" "${dest}/corpora" "${target}"
for f in "${files[@]}"; do
  if ! cmp -s "${wn_src}/${f}" "${target}/${f}" 2>/dev/null; then
    rm -f "${target}/${f}"
    cp "${wn_src}/${f}" "${target}/${f}"
  fi
  chmod 644 "${target}/${f}"
done

tmp="$(mktemp "${target}/.lexnames.XXXXXX")"
for i in "${!lexnames[@]}"; do
  name="${lexnames[$i]}"
  case "${name}" in
    noun.*) category=1 ;;
    verb.*) category=2 ;;
    adj.*) category=3 ;;
    adv.*) category=4 ;;
  esac
  printf '%02d\t%s\t%d\n' "${i}" "${name}" "${category}" >>"${tmp}"
done
chmod 644 "${tmp}"
mv -f "${tmp}" "${target}/lexnames"

if [[ -f /usr/share/doc/wordnet-base/copyright ]]; then
  cp /usr/share/doc/wordnet-base/copyright "${target}/LICENSE"
  chmod 644 "${target}/LICENSE"
fi

echo "install-wordnet: WordNet 3.0 ready in ${target} (nltk finds it when ${dest} is on NLTK_DATA" \
     "or is one of nltk's default data directories, such as \$HOME/nltk_data)"
