# Shared by esme.pl and smsc.pl: how a Net::SMPP PDU travels to the Node orchestrator
# (scripts/interop/run.ts). One JSON object per line on stdout. Strings stay byte strings:
# JSON::PP in ascii mode writes every octet above 0x7f (and NUL) as \u00XX, so the
# orchestrator recovers the exact octets Net::SMPP decoded with Buffer.from(s, 'latin1').
use strict;
use warnings;
use JSON::PP;
use Net::SMPP;

our $JSON = JSON::PP->new->ascii->canonical;

# Net::SMPP reports what it could not decode (unknown TLV tags, premature EOF) with warn().
# Those are findings, so they travel with the next reply or event instead of vanishing.
our @WARNINGS;
$SIG{__WARN__} = sub { my $w = shift; chomp $w; push @WARNINGS, $w; };

sub take_warnings {
    my @w = @WARNINGS;
    @WARNINGS = ();
    return \@w;
}

# Net::SMPP warns "premature eof" whenever a peer closes; the caller reports the close itself.
sub drop_eof_warnings {
    @WARNINGS = grep { !/premature eof/ } @WARNINGS;
}

sub emit {
    my ($obj) = @_;
    my $w = take_warnings();
    $obj->{warnings} = $w if @$w;
    local $| = 1;
    print STDOUT $JSON->encode($obj), "\n";
}

# Net::SMPP's decoder is lenient: it reads a C-Octet String without its NUL, and a TLV whose
# length runs past the body, without a word. So the framing is checked again here: the
# mandatory fields (measured by Net::SMPP's own decoder for the command) plus whole TLVs
# must add up to exactly the body. A header-only error response is fine (SMPP 5.0 made
# that explicit; 3.4 implementations do it too).
sub framing_of {
    my ($pdu, $smpp) = @_;
    my $def = Net::SMPP::pdu_tab->{ $pdu->{cmd} } or return 'ok';
    my $body = $pdu->{data} // '';
    my $len = length $body;
    return 'ok' if $len == 0 && $pdu->{status} != 0;
    my %scratch = (data => $body);
    my $offset = $def->{decode}->(\%scratch, $smpp);
    return "the mandatory fields need $offset octets but the body has $len (a missing NUL?)" if $offset > $len;
    while ($offset < $len) {
        return sprintf('%d stray octets after the last TLV', $len - $offset) if $len - $offset < 4;
        my ($tag, $tlen) = unpack 'nn', substr($body, $offset, 4);
        return sprintf('TLV 0x%04x of length %d runs past the end of the body', $tag, $tlen) if $offset + 4 + $tlen > $len;
        $offset += 4 + $tlen;
    }
    return 'ok';
}

# A decoded PDU as a plain hash: every field Net::SMPP decoded, under its SMPP 3.4 name.
# Net::SMPP stores each TLV twice (numeric tag and name); a known tag keeps only its name,
# an unknown one is kept as tlv_0xNNNN. The raw body is kept as hex for diagnosis, and
# `framing` says whether the body adds up (framing_of).
sub pdu_to_json {
    my ($pdu, $smpp) = @_;
    my %out;
    for my $k (keys %$pdu) {
        next if $k eq 'data' || $k eq 'known_pdu' || $k eq 'reserved';   # reserved: SMPP 4.0 only
        if ($k =~ /^\d+$/) {
            next if defined Net::SMPP::param_tab->{$k};
            $out{ sprintf('tlv_0x%04x', $k) } = $pdu->{$k};
            next;
        }
        $out{$k} = $pdu->{$k};
    }
    my $def = Net::SMPP::pdu_tab->{ $pdu->{cmd} };
    $out{command} = $def ? $def->{cmd} : sprintf('unknown_0x%08x', $pdu->{cmd});
    $out{body_hex} = unpack('H*', $pdu->{data} // '');
    $out{framing} = framing_of($pdu, $smpp);
    return \%out;
}

1;
