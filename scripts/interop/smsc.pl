#!/usr/bin/perl
# A foreign SMSC for the interop run: Net::SMPP's server side (new_listen, accept,
# read_pdu, the *_resp methods), so our gateway's carrier side is checked against an SMPP
# implementation we did not write.
#
# It listens on 127.0.0.1 on a free port, accepts binds for one account (system_id from
# INTEROP_SMSC_SYSTEM_ID, password from INTEROP_SMSC_PASSWORD: not on the command line),
# answers enquire_link and unbind, and answers every submit_sm at once with its own message
# id. Everything it receives is reported to scripts/interop/run.ts as one JSON event per
# line on stdout. Receipts go out when the orchestrator asks, one JSON command per line on
# stdin:
#   {"op":"receipt","message_id":"...","mode":"text"|"tlv"|"text+tlv","stat":"DELIVRD"}
#   {"op":"enquire_link","conn":1}   {"op":"unbind","conn":1}   (requests of the SMSC's own)
# EOF on stdin ends it.
use strict;
use warnings;
use FindBin;
use IO::Select;
use POSIX qw(strftime);
use Net::SMPP;
use JSON::PP;
require "$FindBin::Bin/common.pl";

our $JSON;
my $SYSTEM_ID = $ENV{INTEROP_SMSC_SYSTEM_ID} // die "set INTEROP_SMSC_SYSTEM_ID\n";
my $PASSWORD  = $ENV{INTEROP_SMSC_PASSWORD}  // die "set INTEROP_SMSC_PASSWORD\n";

# SMPP 3.4 §5.2.28 message_state per receipt stat.
my %MESSAGE_STATE = (DELIVRD => 2, EXPIRED => 3, DELETED => 4, UNDELIV => 5, ACCEPTD => 6, UNKNOWN => 7, REJECTD => 8);
my %BIND_RESP = (
    Net::SMPP::CMD_bind_transceiver, 'bind_transceiver_resp',
    Net::SMPP::CMD_bind_transmitter, 'bind_transmitter_resp',
    Net::SMPP::CMD_bind_receiver,    'bind_receiver_resp',
);

my $listen = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34, async => 1, system_id => 'perlsmsc')
    or die "cannot listen on 127.0.0.1: $!\n";
my $select = IO::Select->new($listen, \*STDIN);
my %conns;        # fileno => { smpp, id, bound }
my %submits;      # our message id => { conn, pdu, at }
my $next_conn = 1;
my $next_id = 1;
my $stdin_buf = '';

emit({ event => 'listening', port => $listen->sockport });

sub conn_by_id {
    my ($id) = @_;
    for my $c (values %conns) { return $c if $c->{id} == $id; }
    return undef;
}

sub drop {
    my ($c, $why) = @_;
    $select->remove($c->{smpp});
    delete $conns{ fileno($c->{smpp}) };
    $c->{smpp}->close();
    emit({ event => 'closed', conn => $c->{id}, reason => $why });
}

sub on_pdu {
    my ($c, $pdu) = @_;
    my $smpp = $c->{smpp};
    my $cmd = $pdu->{cmd};
    my $event = { event => 'pdu', conn => $c->{id}, pdu => pdu_to_json($pdu, $smpp) };
    if (my $resp = $BIND_RESP{$cmd}) {
        my $status = $pdu->{system_id} ne $SYSTEM_ID ? Net::SMPP::ESME_RINVSYSID()
                   : $pdu->{password} ne $PASSWORD   ? Net::SMPP::ESME_RINVPASWD()
                   : 0;
        $smpp->$resp(seq => $pdu->{seq}, status => $status, system_id => 'perlsmsc');
        $c->{bound} = $status == 0;
        $event->{answered} = $status;
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
        # A hex id of our own, unlike the gateway's: the receipt must be matched, not echoed.
        my $id = sprintf('%08x%02x', time() & 0xffffffff, $next_id++ & 0xff);
        $smpp->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
        $submits{$id} = { conn => $c->{id}, pdu => $pdu, at => time() };
        $event->{message_id} = $id;
    } elsif ($cmd == Net::SMPP::CMD_unbind_resp) {
        # The answer to an unbind we sent: the session is over (SMPP 3.4 §4.2).
        emit($event);
        drop($c, 'unbind_resp');
        return;
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
        $smpp->unbind_resp(seq => $pdu->{seq});
        emit($event);
        drop($c, 'unbind');
        return;
    } elsif (!($cmd & 0x80000000)) {
        # Anything else we do not serve: SMPP 3.4 §4.3 generic_nack, invalid command id.
        $smpp->generic_nack(seq => $pdu->{seq}, status => Net::SMPP::ESME_RINVCMDID());
        $event->{answered} = Net::SMPP::ESME_RINVCMDID();
    }
    emit($event);
}

sub receipt_date { return strftime('%y%m%d%H%M', gmtime($_[0])); }

# A delivery receipt as a carrier sends it: deliver_sm, esm_class 0x04, from the message's
# destination back to its source; the SMPP 3.4 Appendix B text and/or the TLVs.
sub send_receipt {
    my ($cmd) = @_;
    my $sub = $submits{ $cmd->{message_id} } or die "no submit_sm got message id $cmd->{message_id}\n";
    my $c = conn_by_id($sub->{conn}) or die "the connection that submitted $cmd->{message_id} is gone\n";
    my $stat = $cmd->{stat} // 'DELIVRD';
    my $mode = $cmd->{mode} // 'text+tlv';
    my $orig = $sub->{pdu};
    my $text = '';
    if ($mode =~ /text/) {
        my $preview = substr($orig->{short_message}, 0, 20);
        $text = sprintf('id:%s sub:001 dlvrd:%s submit date:%s done date:%s stat:%s err:000 text:%s',
            $cmd->{message_id}, ($stat eq 'DELIVRD' ? '001' : '000'),
            receipt_date($sub->{at}), receipt_date(time()), $stat, $preview);
    }
    my @tlvs;
    if ($mode =~ /tlv/) {
        @tlvs = (
            receipted_message_id => "$cmd->{message_id}\0",   # a C-Octet String (§5.3.2.12)
            message_state        => pack('C', $MESSAGE_STATE{$stat} // 7),
            network_error_code   => pack('Cn', 3, 0),
        );
    }
    my $seq = $c->{smpp}->deliver_sm(
        source_addr_ton  => $orig->{dest_addr_ton},
        source_addr_npi  => $orig->{dest_addr_npi},
        source_addr      => $orig->{destination_addr},
        dest_addr_ton    => $orig->{source_addr_ton},
        dest_addr_npi    => $orig->{source_addr_npi},
        destination_addr => $orig->{source_addr},
        esm_class        => 0x04,
        short_message    => $text,
        @tlvs,
    );
    emit({ event => 'receipt_sent', conn => $c->{id}, seq => $seq, message_id => $cmd->{message_id}, text => $text });
}

sub on_command {
    my ($line) = @_;
    my $cmd = eval { $JSON->decode($line) };
    if (!$cmd) {
        emit({ event => 'error', error => "not a JSON command: $@" });
        return;
    }
    my $op = $cmd->{op} // '';
    if ($op eq 'receipt') {
        eval { send_receipt($cmd); 1 } or do { my $e = $@; chomp $e; emit({ event => 'error', error => $e }); };
    } elsif ($op eq 'enquire_link' || $op eq 'unbind') {
        my $c = conn_by_id($cmd->{conn} // 0);
        if (!$c) {
            emit({ event => 'error', error => "no connection $cmd->{conn}" });
            return;
        }
        my $seq = $c->{smpp}->$op();
        emit({ event => 'sent', command => $op, conn => $c->{id}, seq => $seq });
    } else {
        emit({ event => 'error', error => "unknown op '" . ($cmd->{op} // '') . "'" });
    }
}

while (1) {
    for my $fh ($select->can_read()) {
        if (fileno($fh) == fileno($listen)) {
            my $smpp = $listen->accept() or next;
            my $c = { smpp => $smpp, id => $next_conn++, bound => 0 };
            $conns{ fileno($smpp) } = $c;
            $select->add($smpp);
            emit({ event => 'connected', conn => $c->{id} });
        } elsif (fileno($fh) == fileno(STDIN)) {
            my $n = sysread(STDIN, $stdin_buf, 65536, length $stdin_buf);
            exit 0 if !$n;
            while ($stdin_buf =~ s/^([^\n]*)\n//) {
                my $line = $1;
                on_command($line) if $line =~ /\S/;
            }
        } else {
            my $c = $conns{ fileno($fh) } or next;
            my $pdu = $c->{smpp}->read_pdu();
            if (!$pdu) {
                drop_eof_warnings();
                drop($c, ${ *{ $c->{smpp} } }{smpperror} // 'EOF');
                next;
            }
            on_pdu($c, $pdu);
        }
    }
}
