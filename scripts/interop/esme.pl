#!/usr/bin/perl
# A foreign ESME for the interop run: Net::SMPP (Debian's libnet-smpp-perl), an SMPP 3.4
# implementation we did not write, so a misreading of the spec shared by our gateway and
# our simulator (both built on the `smpp` package's tables) shows up as a disagreement.
#
# Driven by scripts/interop/run.ts: one JSON request per line on stdin
#   {"id":1,"op":"bind","session":"trx","port":2775,"mode":"transceiver",...}
# and one JSON reply per line on stdout ({"id":1,"ok":true,"pdu":{...}} or "ok":false with
# "error"). It holds several named sessions (a transmitter and a receiver at once) and does
# one thing at a time. Requests go out asynchronously and the reply loop is our own, not
# Net::SMPP's synchronous wait_pdu(), because that one silently drops any PDU that is not
# the awaited response (a deliver_sm arriving meanwhile would be lost). What arrives while
# waiting is kept for a later "read"; an enquire_link from the peer is answered at once.
use strict;
use warnings;
use FindBin;
use IO::Select;
use Time::HiRes qw(time);
use Net::SMPP;
use JSON::PP;
require "$FindBin::Bin/common.pl";

our $JSON;
my %sessions;   # name => { smpp => Net::SMPP, inbox => [request PDUs not yet read] }

my %BIND = (
    transceiver => 'bind_transceiver',
    transmitter => 'bind_transmitter',
    receiver    => 'bind_receiver',
);

sub session {
    my ($name) = @_;
    my $s = $sessions{$name} or die "no session named '$name'; bind it first\n";
    return $s;
}

# The next PDU from the socket, waiting at most until $deadline; dies on timeout or EOF.
sub next_pdu {
    my ($s, $deadline, $what) = @_;
    my $left = $deadline - time;
    die "timed out waiting for $what\n" if $left <= 0 || !IO::Select->new($s->{smpp})->can_read($left);
    my $pdu = $s->{smpp}->read_pdu();
    if (!$pdu) {
        $s->{closed} = 1;
        drop_eof_warnings();
        die "connection closed while waiting for $what (" . (${ *{ $s->{smpp} } }{smpperror} // 'EOF') . ")\n";
    }
    return $pdu;
}

# Waits for the response to request $seq (or a generic_nack for it); keeps other requests.
sub await_response {
    my ($s, $seq, $what, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $pdu = next_pdu($s, $deadline, "the response to $what");
        if ($pdu->{cmd} & 0x80000000) {
            return $pdu if $pdu->{seq} == $seq;
            die sprintf("unexpected response 0x%08x seq %d while waiting for %s (seq %d)\n", $pdu->{cmd}, $pdu->{seq}, $what, $seq);
        }
        if ($pdu->{cmd} == Net::SMPP::CMD_enquire_link) {
            $s->{smpp}->enquire_link_resp(seq => $pdu->{seq});
            next;
        }
        push @{ $s->{inbox} }, $pdu;
    }
}

sub timeout_of { my ($req) = @_; return ($req->{timeout_ms} // 15000) / 1000; }

sub op_bind {
    my ($req) = @_;
    my $name = $req->{session};
    die "session '$name' is already open\n" if $sessions{$name};
    my $method = $BIND{ $req->{mode} } or die "unknown bind mode '$req->{mode}'\n";
    my $smpp = Net::SMPP->new_connect(
        $req->{host} // '127.0.0.1',
        port         => $req->{port},
        system_id    => $req->{system_id},
        password     => $req->{password},
        system_type  => $req->{system_type} // '',
        smpp_version => 0x34,
        async        => 1,
        timeout      => 5,
    ) or die "cannot connect to $req->{port}: $!\n";
    my $s = { smpp => $smpp, inbox => [] };
    my $seq = $smpp->$method();
    my $resp = await_response($s, $seq, $method, timeout_of($req));
    if ($resp->{status} == 0) {
        $sessions{$name} = $s;
    } else {
        $smpp->close();
    }
    return { pdu => pdu_to_json($resp, $s->{smpp}) };
}

sub request {
    my ($req, $method, @args) = @_;
    my $s = session($req->{session});
    my $seq = $s->{smpp}->$method(@args);
    my $resp = await_response($s, $seq, $method, timeout_of($req));
    return { pdu => pdu_to_json($resp, $s->{smpp}) };
}

sub op_unbind {
    my ($req) = @_;
    my $reply = request($req, 'unbind');
    # After unbind_resp the SMSC should close (SMPP 3.4 §4.2): see whether it does.
    my $s = session($req->{session});
    eval { next_pdu($s, time + timeout_of($req), 'the close after unbind') };
    $reply->{closed_after} = $s->{closed} ? JSON::PP::true : JSON::PP::false;
    $s->{smpp}->close();
    delete $sessions{ $req->{session} };
    return $reply;
}

# The next request the peer sent (deliver_sm), from what was kept or from the socket.
sub op_read {
    my ($req) = @_;
    my $s = session($req->{session});
    my $pdu = shift @{ $s->{inbox} };
    my $deadline = time + timeout_of($req);
    while (!$pdu) {
        my $next = next_pdu($s, $deadline, 'a request from the peer');
        if ($next->{cmd} == Net::SMPP::CMD_enquire_link) {
            $s->{smpp}->enquire_link_resp(seq => $next->{seq});
            next;
        }
        die sprintf("unexpected response 0x%08x seq %d while reading\n", $next->{cmd}, $next->{seq}) if $next->{cmd} & 0x80000000;
        $pdu = $next;
    }
    return { pdu => pdu_to_json($pdu, $s->{smpp}) };
}

sub op_respond {
    my ($req) = @_;
    my $s = session($req->{session});
    my $method = $req->{command};
    die "respond supports deliver_sm_resp only, not '$method'\n" unless $method eq 'deliver_sm_resp';
    $s->{smpp}->deliver_sm_resp(seq => $req->{seq}, status => $req->{status} // 0, message_id => '');
    return {};
}

# A command id SMPP 3.4 does not define: the peer must answer generic_nack 0x03 (§4.3).
sub op_unknown_command {
    my ($req) = @_;
    my $s = session($req->{session});
    my $smpp = $s->{smpp};
    my $seq = $smpp->req_backend($req->{command_id}, '', $smpp, async => 1);
    my $resp = await_response($s, $seq, sprintf('command 0x%08x', $req->{command_id}), timeout_of($req));
    return { pdu => pdu_to_json($resp, $s->{smpp}) };
}

sub op_close {
    my ($req) = @_;
    my $s = delete $sessions{ $req->{session} };
    $s->{smpp}->close() if $s;
    return {};
}

my %OPS = (
    bind            => \&op_bind,
    submit          => sub { my ($r) = @_; request($r, 'submit_sm', %{ $r->{fields} }) },
    query           => sub { my ($r) = @_; request($r, 'query_sm', %{ $r->{fields} }) },
    enquire_link    => sub { my ($r) = @_; request($r, 'enquire_link') },
    unbind          => \&op_unbind,
    read            => \&op_read,
    respond         => \&op_respond,
    unknown_command => \&op_unknown_command,
    close           => \&op_close,
);

# EOF on stdin means the orchestrator is gone: exit rather than linger.
while (my $line = <STDIN>) {
    next unless $line =~ /\S/;
    my $req = eval { $JSON->decode($line) };
    if (!$req) {
        emit({ ok => JSON::PP::false, error => "not a JSON request: $@" });
        next;
    }
    my $op = $OPS{ $req->{op} // '' };
    my $result = $op ? eval { $op->($req) } : undef;
    if ($result) {
        emit({ id => $req->{id}, ok => JSON::PP::true, %$result });
    } else {
        my $error = $op ? ($@ || 'failed') : "unknown op '" . ($req->{op} // '') . "'";
        chomp $error;
        emit({ id => $req->{id}, ok => JSON::PP::false, error => $error });
    }
}
