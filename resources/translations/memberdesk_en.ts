<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AwardDialog</name>
    <message numerus="yes">
        <source>The POS&apos;s sale waiting (%n item(s)): the points go to it, and the POS is told.</source>
        <translation>
            <numerusform>The POS&apos;s sale waiting (%n item): the points go to it, and the POS is told.</numerusform>
            <numerusform>The POS&apos;s sale waiting (%n items): the points go to it, and the POS is told.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>+%1 point(s)</source>
        <translation>
            <numerusform>+%1 point</numerusform>
            <numerusform>+%1 points</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LookupHome</name>
    <message numerus="yes">
        <source>%n record(s) of this till wait to be sent to head office.</source>
        <translation>
            <numerusform>%n record of this till waits to be sent to head office.</numerusform>
            <numerusform>%n records of this till wait to be sent to head office.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LookupPage</name>
    <message numerus="yes">
        <source>%n member(s) found: choose with the arrow keys and Enter.</source>
        <translation>
            <numerusform>%n member found: choose with the arrow keys and Enter.</numerusform>
            <numerusform>%n members found: choose with the arrow keys and Enter.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PendingSaleBar</name>
    <message numerus="yes">
        <source>POS sale waiting: %n item(s) %1</source>
        <translation>
            <numerusform>POS sale waiting: %n item %1</numerusform>
            <numerusform>POS sale waiting: %n items %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RecentVisits</name>
    <message numerus="yes">
        <source>Bought %1, earned %2 point(s)</source>
        <translation>
            <numerusform>Bought %1, earned %2 point</numerusform>
            <numerusform>Bought %1, earned %2 points</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Redeemed %2 point(s) (%1 off)</source>
        <translation>
            <numerusform>Redeemed %2 point (%1 off)</numerusform>
            <numerusform>Redeemed %2 points (%1 off)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %2 point(s)</source>
        <translation>
            <numerusform>%1: %2 point</numerusform>
            <numerusform>%1: %2 points</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RedeemDialog</name>
    <message numerus="yes">
        <source>Available: %1 point(s).</source>
        <translation>
            <numerusform>Available: %1 point.</numerusform>
            <numerusform>Available: %1 points.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message numerus="yes">
        <source>What the money refunded earns this member now: %1 point(s), within the balance.</source>
        <translation>
            <numerusform>What the money refunded earns this member now: %1 point, within the balance.</numerusform>
            <numerusform>What the money refunded earns this member now: %1 points, within the balance.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReverseDialog</name>
    <message numerus="yes">
        <source>Reversing takes %1 point(s) off the member&apos;s balance.</source>
        <translation>
            <numerusform>Reversing takes %1 point off the member&apos;s balance.</numerusform>
            <numerusform>Reversing takes %1 points off the member&apos;s balance.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reversing gives %1 point(s) back to the member.</source>
        <translation>
            <numerusform>Reversing gives %1 point back to the member.</numerusform>
            <numerusform>Reversing gives %1 points back to the member.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message numerus="yes">
        <source>Nothing was lost: %n item(s) wait for the next sync.</source>
        <translation>
            <numerusform>Nothing was lost: %n item waits for the next sync.</numerusform>
            <numerusform>Nothing was lost: %n items wait for the next sync.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) were rejected: see the list below.</source>
        <translation>
            <numerusform>%n item was rejected: see the list below.</numerusform>
            <numerusform>%n items were rejected: see the list below.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) still wait to be sent.</source>
        <translation>
            <numerusform>%n item still waits to be sent.</numerusform>
            <numerusform>%n items still wait to be sent.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TillStatusBar</name>
    <message numerus="yes">
        <source>%n record(s) to send</source>
        <translation>
            <numerusform>%n record to send</numerusform>
            <numerusform>%n records to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min ahead of the server</source>
        <translation>
            <numerusform>Clock %n min ahead of the server</numerusform>
            <numerusform>Clock %n min ahead of the server</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min behind the server</source>
        <translation>
            <numerusform>Clock %n min behind the server</numerusform>
            <numerusform>Clock %n min behind the server</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>_MemberLinePlurals</name>
    <message numerus="yes">
        <source>%1 point(s) available</source>
        <translation>
            <numerusform>%1 point available</numerusform>
            <numerusform>%1 points available</numerusform>
        </translation>
    </message>
</context>
</TS>
