[playlist]
File1=/srv/music/Kraftwerk/Die Mensch-Maschine/05 Das Model.flac
Title1=Kraftwerk - Das Model
Length1=222
File2=https://example.org/stream.mp3
Title2=Some Radio
Length2=-1
this line is broken
File3=C:\Music\Stardust\Music Sounds Better With You.mp3
Title3=Stardust - Music Sounds Better With You
Length3=412
Title4=A title without a file
NumberOfEntries=3
Version=2
